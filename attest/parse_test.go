package attest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
)

// parseStatementProto is the parser that Verify used until it parsed the
// payload directly (protojson into the in-toto Statement, then structpb
// to JSON to the predicate), kept as the reference: what it refused,
// parseStatement must refuse too.
func parseStatementProto(body []byte) (*Statement, error) {
	var st intoto.Statement
	if err := protojson.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if st.GetPredicateType() != PredicateType || len(st.GetSubject()) != 1 {
		return nil, fmt.Errorf("%w: predicate type or subject", ErrMalformed)
	}
	b, err := st.GetPredicate().MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%w: predicate: %v", ErrMalformed, err)
	}
	out := &Statement{}
	if err := json.Unmarshal(b, &out.Predicate); err != nil {
		return nil, fmt.Errorf("%w: predicate: %v", ErrMalformed, err)
	}
	sub := st.GetSubject()[0]
	out.KeyID = sub.GetDigest()["sha256"]
	if _, err := hex.DecodeString(out.KeyID); err != nil || len(out.KeyID) != 64 {
		return nil, fmt.Errorf("%w: subject digest: want sha256", ErrMalformed)
	}
	out.InstanceID = out.Predicate.Lifetime.InstanceID
	if sub.GetName() != "instance:"+out.InstanceID {
		return nil, fmt.Errorf("%w: subject name", ErrMalformed)
	}
	return out, nil
}

// samplePayload is the statement Sign makes for sampleReport.
func samplePayload(t testing.TB) string {
	k, _ := NewKey(testSeedKey())
	env, err := Sign(context.Background(), k, sampleReport(), "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := env.DecodeB64Payload()
	return string(body)
}

// sameAsReference fails when parseStatement accepts what the reference
// refused, or reads a statement differently.
func sameAsReference(t *testing.T, body []byte) (*Statement, error) {
	t.Helper()
	got, err := parseStatement(body)
	ref, refErr := parseStatementProto(body)
	switch {
	case err != nil && !errors.Is(err, ErrMalformed):
		t.Fatalf("%q: error %v is not ErrMalformed", body, err)
	case err == nil && refErr != nil:
		t.Fatalf("%q: accepted, the in-toto parser refused it: %v", body, refErr)
	case err == nil && !reflect.DeepEqual(got, ref):
		t.Fatalf("%q: read differently:\n%+v\n%+v", body, got, ref)
	}
	return got, err
}

func TestParseStatementAccepts(t *testing.T) {
	p := samplePayload(t)
	pretty, err := os.ReadFile(filepath.Join("testdata", "statement.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"as signed":        p,
		"golden, indented": string(pretty),
		"whitespace":       " \n" + p + "\n\t ",
		"escaped names":    strings.Replace(strings.Replace(p, `"_type"`, `"\u005ftype"`, 1), `"nonce"`, `"\u006eonce"`, 1),
		"surrogate pair":   strings.Replace(p, `"nonce-1"`, `"nonce-\ud83d\ude00"`, 1),
		"member order":     strings.Replace(p, `{"_type":"https://in-toto.io/Statement/v1",`, `{`, 1)[:len(p)-len(`"_type":"https://in-toto.io/Statement/v1",`)-1] + `,"_type":"https://in-toto.io/Statement/v1"}`,
	} {
		st, err := sameAsReference(t, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.InstanceID != "i-0abc123" || st.Predicate.Sequence != 42 || !strings.HasPrefix(st.Predicate.Nonce, "nonce-") {
			t.Fatalf("%s: %+v", name, st)
		}
	}
}

func TestParseStatementRefusals(t *testing.T) {
	p := samplePayload(t)
	const typ = `"_type":"https://in-toto.io/Statement/v1"`
	sub := `[{"digest":{"sha256":"324be2dea8bc44461b0233e51fa48902ed6b1cc671e7739af2551e0bfe68f54e"},"name":"instance:i-0abc123"}]`
	if !strings.Contains(p, sub) || !strings.Contains(p, typ) {
		t.Fatalf("sample payload changed: %s", p)
	}
	r := func(old, new string) string { return strings.Replace(p, old, new, 1) }
	pred := p[strings.Index(p, `"predicate":`):strings.Index(p, `"predicateType"`)]
	for _, c := range []struct {
		name, body, want string
		stricter         bool // the in-toto parser accepted it
	}{
		{"not JSON", "{", "unexpected EOF", false},
		{"empty", "", "EOF", false},
		{"array", "[" + p + "]", "unmarshal JSON array", false},
		{"trailing data", p + "{}", "after top-level value", false},
		{"invalid UTF-8", r("moat_exec", "moat\xffexec"), "invalid UTF-8", false},
		{"lone high surrogate", r(`"nonce-1"`, `"\ud800x"`), "invalid surrogate pair `\\ud800", false},
		{"lone low surrogate", r(`"nonce-1"`, `"\udc00"`), "invalid surrogate pair `\\udc00", false},
		{"escaped name twice", r(typ, typ+`,"\u005ftype":"https://in-toto.io/Statement/v1"`), `duplicate object member name "_type"`, false},
		{"statement member twice", r(typ, typ+`,"predicateType":"x"`), `duplicate object member name "predicateType"`, false},
		{"predicate member twice", r(`"nonce":"nonce-1"`, `"nonce":"nonce-1","nonce":"x"`), `duplicate object member name "nonce" within "/predicate"`, false},
		{"digest twice", r(`"sha256"`, `"sha256":"00","sha256"`), `duplicate object member name "sha256" within "/subject/0/digest"`, false},
		{"names equal but for case", r(`"nonce":"nonce-1"`, `"nonce":"nonce-1","Nonce":"x"`), `unknown object member name "Nonce" within "/predicate"`, true},
		{"statement name case", r(`"predicateType"`, `"PredicateType"`), `unknown object member name "PredicateType"`, false},
		{"subject name case", r(`"name":"instance`, `"Name":"instance`), `unknown object member name "Name" within "/subject/0"`, false},
		{"proto field name", r(`"predicateType"`, `"predicate_type"`), `unknown object member name "predicate_type"`, true},
		{"unknown statement member", r(typ, typ+`,"extra":1`), `unknown object member name "extra"`, false},
		{"unknown subject member", r(`"name":"instance`, `"x":1,"name":"instance`), `unknown object member name "x" within "/subject/0"`, false},
		{"subject uri", r(`"name":"instance`, `"uri":"https://x","name":"instance`), `unknown object member name "uri"`, true},
		{"unknown predicate member", r(`"nonce":`, `"extra":1,"nonce":`), `unknown object member name "extra" within "/predicate"`, true},
		{"legacy statement type", r(typ, `"_type":"https://in-toto.io/Statement/v0.1"`), `_type "https://in-toto.io/Statement/v0.1"`, true},
		{"other statement type", r(typ, `"_type":"https://example.com/Statement"`), "_type", false},
		{"no statement type", r(typ+",", ""), `_type ""`, false},
		{"other predicate type", r(PredicateType, "https://slsa.dev/provenance/v1"), "predicateType", false},
		{"no subject", r(sub, "[]"), "subject: 0 entries", false},
		{"null subject", r(sub, "null"), "subject: 0 entries", false},
		{"two subjects", r(sub, sub[:len(sub)-1]+","+sub[1:]), "subject: 2 entries", false},
		{"digest not sha256", r(`"sha256"`, `"sha512"`), "subject digest", false},
		{"digest short", r(`"324be2de`, `"324b`), "subject digest", false},
		{"digest not hex", r(`"324be2de`, `"zz4be2de`), "subject digest", false},
		{"second digest", r(`{"sha256"`, `{"sha1":"0000000000000000000000000000000000000000","sha256"`), "subject digest", true},
		{"subject name", r(`"instance:i-0abc123"`, `"instance:i-other"`), "subject name", false},
		{"predicate null", r(pred, `"predicate":null,`), "predicate: missing", false},
		{"predicate missing", r(pred, ""), "predicate: missing", false},
		{"predicate not an object", r(pred, `"predicate":[],`), "unmarshal JSON array into Go attest.Predicate", false},
		{"sequence as string", r(`"sequence":42`, `"sequence":"42"`), "unmarshal JSON string into Go uint64", false},
		{"sequence negative", r(`"sequence":42`, `"sequence":-42`), "unmarshal JSON number -42", false},
		{"sequence rounds past uint64", r(`"sequence":42`, `"sequence":18446744073709551615`), "predicate.sequence: 18446744073709551615 is not exact", false},
		{"sequence not a double", r(`"sequence":42`, `"sequence":9007199254740993`), "predicate.sequence: 9007199254740993 is not exact", true},
		{"sequence with exponent", r(`"sequence":42`, `"sequence":4.2e1`), "unmarshal JSON number 4.2e1", true},
		{"uptime not a double", r(`"uptimeNs":180000000000000`, `"uptimeNs":9223372036854775807`), "lifetime.uptimeNs", false},
		{"denials not a double", r(`"caps":0`, `"caps":9007199254740993`), `denials["caps"]`, true},
		{"bad time", r(`"observedAt":"2026-11-22T10:00:00Z"`, `"observedAt":"yesterday"`), "cannot parse", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sameAsReference(t, []byte(c.body))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrMalformed naming %q", err, c.want)
			}
			if _, refErr := parseStatementProto([]byte(c.body)); (refErr == nil) != c.stricter {
				t.Fatalf("the in-toto parser: %v, stricter = %v", refErr, c.stricter)
			}
		})
	}
}

func testSeedKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
}

// FuzzParseStatement: parseStatement accepts nothing the in-toto parser
// refused and reads what both accept the same way.
func FuzzParseStatement(f *testing.F) {
	k, _ := NewKey(testSeedKey())
	env, _ := Sign(context.Background(), k, sampleReport(), "nonce-1")
	body, _ := env.DecodeB64Payload()
	f.Add(body)
	f.Add(bytes.Replace(body, []byte(`"nonce-1"`), []byte(`"\u006e\ud83d\ude00"`), 1))
	f.Add(bytes.Replace(body, []byte(`"sequence":42`), []byte(`"sequence":4.2e1`), 1))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsReference(t, body)
	})
}

// TestVerifyGoldenEnvelope: the envelope in testdata, signed by the code
// that parsed with protojson, still verifies.
func TestVerifyGoldenEnvelope(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env dsse.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	st, err := Verify(context.Background(), testKey(t).Verifier, &env)
	if err != nil {
		t.Fatal(err)
	}
	if st.KeyID != testKey(t).id || st.Predicate.Nonce != "nonce-1" || !reflect.DeepEqual(st.Predicate.Report(), sampleReport()) {
		t.Fatalf("golden envelope read as %+v", st)
	}
}

// TestVerifyRefusesSignedMalformed: a statement that parseStatement
// refuses is refused by Verify even under a good signature, and one
// about another key as well.
func TestVerifyRefusesSignedMalformed(t *testing.T) {
	k := testKey(t)
	signer, _ := dsse.NewEnvelopeSigner(k)
	p := samplePayload(t)
	for name, body := range map[string]string{
		"unknown member": strings.Replace(p, `"nonce":`, `"extra":1,"nonce":`, 1),
		"other key":      strings.Replace(p, "324be2dea8bc", "424be2dea8bc", 1),
	} {
		env, err := signer.SignPayload(context.Background(), PayloadType, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(context.Background(), k.Verifier, env); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// TestParseStatementMutants: a fixed set of random edits of a signed
// statement (the coverage-guided FuzzParseStatement is slow here: the
// test binary links SQLite), each read by both parsers.
func TestParseStatementMutants(t *testing.T) {
	base := []byte(samplePayload(t))
	toks := []string{`"`, `\`, `\u`, `\ud800`, `\udc00`, `{`, `}`, `[`, `]`, `,`, `:`, ` `, `1e2`, `null`, `"nonce"`,
		`"Nonce"`, `"\u006eonce"`, "\xff", `-0`, `9007199254740993`, `"_type"`, `"name"`}
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for range 5000 {
		b := bytes.Clone(base)
		for k := r.IntN(4) + 1; k > 0; k-- {
			b = mutate(r, b, toks)
		}
		if _, err := sameAsReference(t, b); err == nil {
			accepted++
		}
	}
	t.Logf("%d of 5000 mutants accepted by both parsers", accepted)
	if accepted < 100 {
		t.Fatalf("only %d of 5000 mutants accepted: the edits test little", accepted)
	}
}

func mutate(r *rand.Rand, b []byte, toks []string) []byte {
	i := r.IntN(len(b) + 1)
	switch {
	case r.IntN(3) == 0:
		return append(b[:i:i], append([]byte(toks[r.IntN(len(toks))]), b[i:]...)...)
	case i == len(b):
		return b
	case r.IntN(2) == 0:
		return append(b[:i:i], b[min(len(b), i+r.IntN(8)):]...)
	}
	b[i] = byte(r.IntN(128))
	return b
}
