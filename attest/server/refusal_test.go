package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// testRefusals sends every kind of bad submission to an instance that
// has reports 1 and 2, and checks the status, the code and that nothing
// was stored.
func testRefusals(t *testing.T, b backend) {
	cfg := Defaults()
	cfg.MaxBodyBytes, cfg.MaxBatch = 64<<10, 5
	e := newEnv(t, b(t), cfg)
	e.enrol("i-1", e.key)
	other, _ := attest.NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32)))
	e.enrol("i-2", other)
	n1 := e.nonce("i-1").Nonce
	first := e.sign(e.key, report("i-1", 1), n1)
	e.submit("i-1", first)
	e.submit("i-1", e.sign(e.key, report("i-1", 2), e.nonce("i-1").Nonce))

	tests := []struct {
		name   string
		path   string
		body   func() any
		status int
		code   string
	}{
		{"unsigned", "i-1", func() any {
			env := e.sign(e.key, report("i-1", 3), e.nonce("i-1").Nonce)
			env.Signatures = nil
			return one(env)
		}, 400, attest.CodeUnsigned},
		{"wrongly signed", "i-1", func() any { return one(e.sign(other, report("i-1", 3), e.nonce("i-1").Nonce)) }, 403, attest.CodeBadSignature},
		{"flipped byte", "i-1", func() any { return one(flip(e.sign(e.key, report("i-1", 3), e.nonce("i-1").Nonce))) }, 403, attest.CodeBadSignature},
		{"another instance's statement", "i-2", func() any { return one(e.sign(other, report("i-1", 3), e.nonce("i-2").Nonce)) }, 403, attest.CodeWrongInstance},
		{"unknown instance", "i-9", func() any { return one(e.sign(e.key, report("i-9", 3), "x")) }, 404, attest.CodeUnknownInstance},
		{"unknown nonce", "i-1", func() any { return one(e.sign(e.key, report("i-1", 3), "made-up")) }, 409, attest.CodeStaleNonce},
		{"another instance's nonce", "i-1", func() any { return one(e.sign(e.key, report("i-1", 3), e.nonce("i-2").Nonce)) }, 409, attest.CodeStaleNonce},
		{"expired nonce", "i-1", func() any {
			n := e.nonce("i-1").Nonce
			e.now = e.now.Add(cfg.NonceTTL + time.Second)
			return one(e.sign(e.key, report("i-1", 3), n))
		}, 409, attest.CodeStaleNonce},
		{"replayed", "i-1", func() any { return one(first) }, 409, attest.CodeReplayed},
		{"reordered", "i-1", func() any {
			r := report("i-1", 1)
			r.Trigger = "drain"
			return one(e.sign(e.key, r, e.nonce("i-1").Nonce))
		}, 409, attest.CodeReordered},
		{"reordered in a batch", "i-1", func() any {
			n := e.nonce("i-1").Nonce
			return one(e.sign(e.key, report("i-1", 4), n), e.sign(e.key, report("i-1", 3), n))
		}, 409, attest.CodeReordered},
		{"oversized body", "i-1", func() any {
			r := report("i-1", 3)
			r.Claims.Patch.Packages = []string{strings.Repeat("x", 70<<10)}
			return one(e.sign(e.key, r, e.nonce("i-1").Nonce))
		}, 413, attest.CodeOversized},
		{"oversized batch", "i-1", func() any {
			n := e.nonce("i-1").Nonce
			var envs []*dsse.Envelope
			for seq := uint64(3); seq < 9; seq++ {
				envs = append(envs, e.sign(e.key, report("i-1", seq), n))
			}
			return one(envs...)
		}, 413, attest.CodeOversized},
		{"not json", "i-1", func() any { return []byte("{") }, 400, attest.CodeMalformed},
		{"trailing data", "i-1", func() any {
			body, _ := json.Marshal(one(e.sign(e.key, report("i-1", 3), e.nonce("i-1").Nonce)))
			return append(body, ` {"envelopes":[]}`...)
		}, 400, attest.CodeMalformed},
		{"member twice", "i-1", func() any {
			body, _ := json.Marshal(one(e.sign(e.key, report("i-1", 3), e.nonce("i-1").Nonce)))
			return append([]byte(`{"envelopes":[],`), body[1:]...)
		}, 400, attest.CodeMalformed},
		{"envelope member twice", "i-1", func() any {
			body, _ := json.Marshal(one(e.sign(e.key, report("i-1", 3), e.nonce("i-1").Nonce)))
			return bytes.Replace(body, []byte(`"payloadType":`), []byte(`"payloadType":"x","payloadType":`), 1)
		}, 400, attest.CodeMalformed},
		{"name in another case", "i-1", func() any {
			body, _ := json.Marshal(one(e.sign(e.key, report("i-1", 3), e.nonce("i-1").Nonce)))
			return bytes.Replace(body, []byte(`"envelopes"`), []byte(`"Envelopes"`), 1)
		}, 400, attest.CodeMalformed},
		{"invalid UTF-8", "i-1", func() any {
			body, _ := json.Marshal(one(e.sign(e.key, report("i-1", 3), e.nonce("i-1").Nonce)))
			return bytes.Replace(body, []byte(`"payloadType":"`), []byte("\"payloadType\":\"\xff"), 1)
		}, 400, attest.CodeMalformed},
		{"empty batch", "i-1", func() any { return one() }, 400, attest.CodeMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			code, ref := e.do("POST", "/v1/instances/"+tt.path+"/reports", tt.body(), nil)
			if code != tt.status || ref.Code != tt.code || ref.Error == "" {
				t.Fatalf("got %d %+v, want %d %s", code, ref, tt.status, tt.code)
			}
			if h := e.history("i-1"); len(h) != 2 || h[0].Sequence != 2 {
				t.Fatalf("refusal stored something: %d reports", len(h))
			}
		})
	}
	e.t = t
	code, ref := e.do("POST", "/v1/enrol", attest.EnrolRequest{Token: "nope", InstanceID: "i-3", PublicKey: other.PublicDER()}, nil)
	if code != 403 || ref.Code != attest.CodeBadToken {
		t.Fatalf("enrol with a bad token: %d %+v", code, ref)
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	tok, _ := e.store.CreateToken(context.Background(), "i-3", time.Hour, e.now)
	code, ref = e.do("POST", "/v1/enrol", attest.EnrolRequest{Token: tok, InstanceID: "i-3", PublicKey: rsaDER}, nil)
	if code != 400 || ref.Code != attest.CodeMalformed || !strings.Contains(ref.Error, "publicKey") {
		t.Fatalf("enrol with an RSA key: %d %+v", code, ref)
	}
}

func one(envs ...*dsse.Envelope) attest.SubmitRequest {
	return attest.SubmitRequest{Envelopes: envs}
}

func flip(env *dsse.Envelope) *dsse.Envelope {
	p, _ := base64.StdEncoding.DecodeString(env.Payload)
	i := bytes.Index(p, []byte(`"trigger":"interval"`))
	p[i+12] ^= 0x01 // 'i' of interval becomes 'h'
	env.Payload = base64.StdEncoding.EncodeToString(p)
	return env
}
