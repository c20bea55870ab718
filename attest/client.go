package attest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// RefusalError is a 4xx or 5xx answer of the server.
type RefusalError struct {
	Status int
	Refusal
}

func (e *RefusalError) Error() string {
	return fmt.Sprintf("server refused (%d %s): %s", e.Status, e.Code, e.Refusal.Error)
}

// client speaks the API of moat-attestd.
type client struct {
	base string
	http *http.Client
}

// newHTTPClient trusts the CA certificates in caFile when it is set, the
// system's otherwise.
func newHTTPClient(caFile string) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca file %s: no PEM certificate", caFile)
		}
		tc.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

func (c *client) post(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read reply: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		re := &RefusalError{Status: resp.StatusCode}
		if json.Unmarshal(raw, &re.Refusal) != nil || re.Code == "" {
			re.Code, re.Refusal.Error = "http", strings.TrimSpace(string(raw))
		}
		return re
	}
	return json.Unmarshal(raw, out)
}

func (c *client) enrol(ctx context.Context, req EnrolRequest) (EnrolResponse, error) {
	var resp EnrolResponse
	return resp, c.post(ctx, "/v1/enrol", req, &resp)
}

func (c *client) nonce(ctx context.Context, id string) (NonceResponse, error) {
	var resp NonceResponse
	return resp, c.post(ctx, "/v1/instances/"+url.PathEscape(id)+"/nonce", struct{}{}, &resp)
}

func (c *client) submit(ctx context.Context, id string, envs []*dsse.Envelope) (SubmitResponse, error) {
	var resp SubmitResponse
	return resp, c.post(ctx, "/v1/instances/"+url.PathEscape(id)+"/reports", SubmitRequest{Envelopes: envs}, &resp)
}
