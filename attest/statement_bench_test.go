package attest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"syscall"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// BenchmarkVerify: one signed report, Ed25519, the server's hot path.
func BenchmarkVerify(b *testing.B) {
	k, err := NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	env, err := Sign(ctx, k, sampleReport(), "nonce-1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpuPerOp(b, func() {
		for b.Loop() {
			if _, err := Verify(ctx, k.Verifier, env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseStatement: the payload parse alone, without the signature.
func BenchmarkParseStatement(b *testing.B) {
	k, _ := NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)))
	env, _ := Sign(context.Background(), k, sampleReport(), "nonce-1")
	body, _ := env.DecodeB64Payload()
	b.ReportAllocs()
	cpuPerOp(b, func() {
		for b.Loop() {
			if _, err := parseStatement(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cpuPerOp reports the process CPU time (user and system) per operation:
// on a shared machine it moves less than wall time does.
func cpuPerOp(b *testing.B, run func()) {
	b.Helper()
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	run()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkVerifySignature: the Ed25519 verification alone over the same
// envelope's pre-authentication encoding, the physical limit of Verify.
func BenchmarkVerifySignature(b *testing.B) {
	k, _ := NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)))
	env, _ := Sign(context.Background(), k, sampleReport(), "nonce-1")
	body, _ := env.DecodeB64Payload()
	sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	pae := dsse.PAE(env.PayloadType, body)
	b.ReportAllocs()
	cpuPerOp(b, func() {
		for b.Loop() {
			if err := k.Verifier.Verify(context.Background(), pae, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}
