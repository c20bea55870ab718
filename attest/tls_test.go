package attest_test

import (
	"io"
	"log"
	"net/http/httptest"
	"testing"

	"github.com/moat-sh/moat/attest/server"
)

func newTLSServer(t *testing.T, s *server.Server) *httptest.Server {
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}
