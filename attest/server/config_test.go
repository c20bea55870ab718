package server

import (
	"crypto/ed25519"
	"io"
	"log/slog"
	"net"

	"bytes"
	"context"
	"github.com/moat-sh/moat/attest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest/store"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name, yaml, err string
	}{
		{"defaults kept", "interval: 30s\nbaseline:\n  minKernel: 6.1.0-27\n  allowedOS: [debian 12]\n  maxImageAge: 720h\n", ""},
		{"unknown field", "intervall: 30s\n", "intervall"},
		{"short interval", "interval: 10ms\n", "interval"},
		{"tls half", "tlsCert: a.pem\n", "tlsKey"},
		{"batch", "maxBatch: 0\n", "maxBatch"},
		{"body", "maxBodyBytes: 10\n", "maxBodyBytes"},
		{"not yaml", "listen: [\n", "config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "attestd.yaml")
			os.WriteFile(path, []byte(tt.yaml), 0o600)
			c, err := LoadConfig(path)
			if tt.err == "" {
				if err != nil || c.Interval != 30*time.Second || c.NonceTTL != 5*time.Minute || c.Baseline.MaxImageAge != 720*time.Hour {
					t.Fatalf("LoadConfig = %+v %v", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want one naming %q", err, tt.err)
			}
		})
	}
}

func TestMainTokenCreate(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "attestd.yaml")
	db := filepath.Join(dir, "attestd.db")
	os.WriteFile(cfg, []byte("store: "+db+"\n"), 0o600)
	var out bytes.Buffer
	if err := Main(context.Background(), []string{"token", "create", "-instance", "i-7", "-config", cfg}, &out, &out); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Enrol(context.Background(), tok, "i-7", testVerifier(t), time.Now()); err != nil {
		t.Fatalf("token from the command line does not enrol: %v", err)
	}
	for _, args := range [][]string{{"token"}, {"token", "create"}, {"frobnicate"}, {"serve", "-config", filepath.Join(dir, "missing.yaml")}} {
		if err := Main(context.Background(), args, &out, &out); err == nil {
			t.Errorf("Main(%q): no error", args)
		}
	}
}

func testVerifier(t *testing.T) *attest.Verifier {
	k, err := attest.NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k.Verifier
}

func TestServeShutsDown(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, New(st, Defaults(), slog.New(slog.NewTextHandler(io.Discard, nil))), Defaults())
	}()
	if body := get(t, "http://"+ln.Addr().String()+"/healthz"); string(body) != "ok\n" {
		t.Fatalf("healthz = %q", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
}
