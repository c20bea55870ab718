package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

var update = flag.Bool("update", false, "rewrite golden files")

func testKey(t *testing.T) *Key {
	t.Helper()
	k, err := NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// SampleReport is a full report with fixed values, for golden files.
func sampleReport() Report {
	launch := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	return Report{
		Sequence: 42, ObservedAt: launch.Add(50 * time.Hour), Trigger: "interval",
		Claims: Claims{
			Lifetime: Lifetime{InstanceID: "i-0abc123", BootID: "6d3f1a2b-0c4e-4f5a-9b8c-7d6e5f4a3b2c",
				LaunchTime: launch, Uptime: 50 * time.Hour, DrainBy: launch.Add(14 * 24 * time.Hour),
				TerminateBy: launch.Add(21 * 24 * time.Hour), NextWindow: launch.Add(72 * time.Hour)},
			Patch: Patch{KernelRelease: "6.1.0-27-amd64", OSID: "debian", OSVersionID: "12",
				PackagesDigest: "d5b729a615c06a90c43ed165e6fc12c552b356440eb408dbd7a29506a88be3bc", PackageCount: 2,
				RootFS: RootFS{VerityRootHash: "4d3c2b1a", ReadOnly: true}},
			Enforcement: Enforcement{SELinuxMode: "enforcing", PolicySHA256: "5c03b910b231b823c172f571b37df4bfac46f83a5691fe724bcbe6485a76418f",
				Lockdown: "integrity", Families: map[string]string{"exec": ModeEnforce, "root": ModeEnforce, "caps": ModeAudit},
				Programs:       []Program{{ID: 101, Tag: "a1b2c3d4e5f60718", Name: "moat_exec"}},
				SettingsDigest: "ab12", Denials: map[string]uint64{"exec": 3, "caps": 0}, Version: "0.1.0"},
		},
	}
}

func TestGoldenStatement(t *testing.T) {
	k := testKey(t)
	env, err := Sign(context.Background(), k, sampleReport(), "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, payload, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden(t, "statement.json", pretty.Bytes())
	envJSON, _ := json.MarshalIndent(env, "", "  ")
	golden(t, "envelope.json", envJSON) // Ed25519 signatures are deterministic
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden:\n%s", name, got)
	}
}

func TestVerifyRoundTrip(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	eck, err := NewKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*Key{testKey(t), eck} {
		env, err := Sign(context.Background(), k, sampleReport(), "n")
		if err != nil {
			t.Fatal(err)
		}
		st, err := Verify(context.Background(), k.Verifier, env)
		if err != nil {
			t.Fatalf("%s: %v", k.Alg(), err)
		}
		if st.InstanceID != "i-0abc123" || st.Predicate.Nonce != "n" {
			t.Fatalf("%s: statement %+v", k.Alg(), st)
		}
		if got := st.Predicate.Report(); !reflect.DeepEqual(got, sampleReport()) {
			t.Fatalf("%s: report changed in the round trip:\n%+v\n%+v", k.Alg(), got, sampleReport())
		}
	}
}

// TestVerifierKeyTypes: NewVerifier takes an Ed25519 key of the right
// length and an ECDSA P-256 key, each with the PKIX DER and key id it
// came with, and refuses any other key rather than failing at Verify.
func TestVerifierKeyTypes(t *testing.T) {
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for _, pub := range []crypto.PublicKey{testKey(t).Public(), &ec256.PublicKey} {
		v, err := NewVerifier(pub)
		if err != nil {
			t.Fatalf("%T: %v", pub, err)
		}
		back, err := ParsePublicKey(v.PublicDER())
		if err != nil || back.Alg() != v.Alg() || !reflect.DeepEqual(back.Public(), pub) {
			t.Fatalf("%s: parsed back as %+v, %v", v.Alg(), back, err)
		}
		id, _ := v.KeyID()
		sum := sha256.Sum256(v.PublicDER())
		if id != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s: key id %s is not the SHA-256 of its DER", v.Alg(), id)
		}
	}
	for _, pub := range []crypto.PublicKey{ed25519.PublicKey(make([]byte, 31)), &ec384.PublicKey, "a key"} {
		if _, err := NewVerifier(pub); !errors.Is(err, ErrKeyType) {
			t.Fatalf("%T %v: err = %v, want ErrKeyType", pub, pub, err)
		}
	}
}

func TestFlippedByteFails(t *testing.T) {
	k := testKey(t)
	env, _ := Sign(context.Background(), k, sampleReport(), "n")
	payload, _ := env.DecodeB64Payload()
	sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	for i := range payload {
		bad := bytes.Clone(payload)
		bad[i] ^= 0x01
		e := *env
		e.Payload = base64.StdEncoding.EncodeToString(bad)
		if _, err := Verify(context.Background(), k.Verifier, &e); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("payload byte %d flipped: err = %v, want ErrBadSignature", i, err)
		}
	}
	for i := range sig {
		bad := bytes.Clone(sig)
		bad[i] ^= 0x80
		e := *env
		e.Signatures = []dsse.Signature{{KeyID: env.Signatures[0].KeyID, Sig: base64.StdEncoding.EncodeToString(bad)}}
		if _, err := Verify(context.Background(), k.Verifier, &e); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("signature byte %d flipped: err = %v", i, err)
		}
	}
}

func TestVerifyRefusals(t *testing.T) {
	k := testKey(t)
	other, _ := NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)))
	env, _ := Sign(context.Background(), k, sampleReport(), "n")
	if _, err := Verify(context.Background(), other.Verifier, env); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other key: %v", err)
	}
	unsigned := *env
	unsigned.Signatures = nil
	if _, err := Verify(context.Background(), k.Verifier, &unsigned); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
	wrongType := *env
	wrongType.PayloadType = "text/plain"
	if _, err := Verify(context.Background(), k.Verifier, &wrongType); !errors.Is(err, ErrMalformed) {
		t.Fatalf("payload type: %v", err)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	k1, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if k1.Alg() != AlgEd25519 {
		t.Fatalf("alg = %s, want ed25519 outside FIPS mode", k1.Alg())
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", fi, err)
	}
	k2, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if id1, _ := k1.KeyID(); id1 != must(k2.KeyID()) {
		t.Fatal("second load made a new key")
	}
	os.WriteFile(filepath.Join(dir, KeyFile), []byte("junk"), 0o600)
	if _, err := LoadOrCreateKey(dir); err == nil {
		t.Fatal("junk key file: no error")
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

// An integer that a JSON double does not hold exactly is refused at
// signing, named, rather than signed rounded (Verify would refuse it).
func TestSignRefusesInexactIntegers(t *testing.T) {
	for name, mutate := range map[string]func(*Report){
		"sequence":  func(r *Report) { r.Sequence = 1<<53 + 1 },
		"uptime":    func(r *Report) { r.Claims.Lifetime.Uptime = 1<<62 + 1 },
		"denials":   func(r *Report) { r.Claims.Enforcement.Denials = map[string]uint64{"exec": 1<<60 + 3} },
		"pkg count": func(r *Report) { r.Claims.Patch.PackageCount = 1<<55 + 1 },
	} {
		t.Run(name, func(t *testing.T) {
			r := sampleReport()
			mutate(&r)
			_, err := Sign(context.Background(), testKey(t), r, "nonce-1")
			if err == nil || !strings.Contains(err.Error(), "is not exact as a JSON number") {
				t.Fatalf("Sign: %v, want a refusal naming the integer", err)
			}
		})
	}
	r := sampleReport()
	r.Sequence = 1 << 60 // a power of two: a double holds it exactly
	if _, err := Sign(context.Background(), testKey(t), r, "nonce-1"); err != nil {
		t.Fatalf("Sign of an exact large integer: %v", err)
	}
}

// TestStoredReport: the report read from a stored envelope is the one
// signed, the golden envelope's included; what is not an envelope of a
// statement is refused as malformed.
func TestStoredReport(t *testing.T) {
	env, err := Sign(context.Background(), testKey(t), sampleReport(), "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(env)
	golden, err := os.ReadFile(filepath.Join("testdata", "envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{raw, golden} {
		if r, err := StoredReport(b); err != nil || !reflect.DeepEqual(r, sampleReport()) {
			t.Fatalf("read %+v, %v", r, err)
		}
	}
	for name, b := range map[string]string{
		"not JSON":                "{",
		"no payload":              `{"payloadType":"application/vnd.in-toto+json","signatures":[]}`,
		"payload not base64":      `{"payload":"%%%"}`,
		"payload not a statement": `{"payload":"` + base64.StdEncoding.EncodeToString([]byte(`{"_type":"x"}`)) + `"}`,
	} {
		if _, err := StoredReport([]byte(b)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}
