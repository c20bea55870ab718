package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
)

// testKeyReplaced: another replica enrols the instance again with a new
// key while this server holds the old one in its cache. A report signed
// with the old key is refused and stores nothing; one signed with the
// new key is accepted.
func testKeyReplaced(t *testing.T, e *env) {
	ctx := context.Background()
	e.enrol("i-1", e.key)
	if code, ref, _ := e.submit("i-1", e.sign(e.key, report("i-1", 1), e.nonce("i-1").Nonce)); code != 200 {
		t.Fatalf("first: %d %+v", code, ref)
	}
	fresh, err := attest.NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.store.CreateToken(ctx, "i-1", time.Hour, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Enrol(ctx, tok, "i-1", fresh.Verifier, e.now); err != nil {
		t.Fatal(err)
	}
	code, ref, _ := e.submit("i-1", e.sign(e.key, report("i-1", 2), e.nonce("i-1").Nonce))
	if code != http.StatusForbidden || ref.Code != attest.CodeBadSignature {
		t.Fatalf("old key after re-enrolment: %d %+v, want 403 %s", code, ref, attest.CodeBadSignature)
	}
	if code, ref, resp := e.submit("i-1", e.sign(fresh, report("i-1", 2), e.nonce("i-1").Nonce)); code != 200 || resp.LastSequence != 2 {
		t.Fatalf("new key: %d %+v %+v", code, ref, resp)
	}
	if h := e.history("i-1"); len(h) != 2 {
		t.Fatalf("history has %d reports, want 2", len(h))
	}
}
