package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/internal/pgtest"
	"github.com/moat-sh/moat/attest/store"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"go.yaml.in/yaml/v3"
)

var (
	pg    *pgtest.Server
	pgErr error
)

// TestMain starts one PostgreSQL for the package: with fsync on when
// benchmarks run (they count reports durably stored, as SQLite's
// synchronous=FULL stores them), off for the tests.
func TestMain(m *testing.M) {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() != "" {
		pg, pgErr = pgtest.StartDurable()
	} else {
		pg, pgErr = pgtest.Start()
	}
	code := m.Run()
	if pg != nil {
		pg.Stop()
	}
	os.Exit(code)
}

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// env is one server under test with a clock the test moves.
type env struct {
	t     testing.TB
	srv   *Server
	http  *httptest.Server
	store *store.Store
	now   time.Time
	key   *attest.Key
}

type backend func(t testing.TB) string

func sqliteDSN(t testing.TB) string { return filepath.Join(t.TempDir(), "attestd.db") }

func postgresDSN(t testing.TB) string {
	if pg == nil {
		t.Fatalf("postgresql: %v", pgErr)
	}
	dsn, err := pg.NewDatabase()
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func newEnv(t testing.TB, dsn string, cfg Config) *env {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, now: t0}
	e.srv = New(st, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.srv.Now = func() time.Time { return e.now }
	e.http = httptest.NewServer(e.srv.Handler())
	t.Cleanup(func() { e.http.Close(); st.Close() })
	e.key, _ = attest.NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)))
	return e
}

func (e *env) do(method, path string, body any, out any) (int, attest.Refusal) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.http.URL+path, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var ref attest.Refusal
	if resp.StatusCode >= 400 {
		json.Unmarshal(raw, &ref)
	} else if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, ref
}

func (e *env) enrol(id string, k *attest.Key) {
	e.t.Helper()
	tok, err := e.store.CreateToken(context.Background(), id, time.Hour, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	var resp attest.EnrolResponse
	code, ref := e.do("POST", "/v1/enrol", attest.EnrolRequest{Token: tok, InstanceID: id, PublicKey: k.PublicDER()}, &resp)
	if code != 200 {
		e.t.Fatalf("enrol: %d %+v", code, ref)
	}
}

func (e *env) nonce(id string) attest.NonceResponse {
	e.t.Helper()
	var n attest.NonceResponse
	if code, ref := e.do("POST", "/v1/instances/"+id+"/nonce", nil, &n); code != 200 {
		e.t.Fatalf("nonce: %d %+v", code, ref)
	}
	return n
}

func report(id string, seq uint64) attest.Report {
	launch := t0.Add(-24 * time.Hour)
	return attest.Report{Sequence: seq, ObservedAt: t0, Trigger: "interval", Claims: attest.Claims{
		Lifetime: attest.Lifetime{InstanceID: id, LaunchTime: launch, DrainBy: launch.Add(attest.MaxDrainAfter),
			TerminateBy: launch.Add(attest.MaxTerminateAfter)},
		Patch:       attest.Patch{KernelRelease: "6.1.0-27-amd64", OSID: "debian", OSVersionID: "12"},
		Enforcement: attest.Enforcement{SELinuxMode: "enforcing", Lockdown: "integrity", Families: map[string]string{"exec": attest.ModeEnforce}},
	}}
}

func (e *env) sign(k *attest.Key, r attest.Report, nonce string) *dsse.Envelope {
	e.t.Helper()
	env, err := attest.Sign(context.Background(), k, r, nonce)
	if err != nil {
		e.t.Fatal(err)
	}
	return env
}

func (e *env) submit(id string, envs ...*dsse.Envelope) (int, attest.Refusal, attest.SubmitResponse) {
	e.t.Helper()
	var resp attest.SubmitResponse
	code, ref := e.do("POST", "/v1/instances/"+id+"/reports", attest.SubmitRequest{Envelopes: envs}, &resp)
	return code, ref, resp
}

func (e *env) history(id string) []attest.HistoryEntry {
	e.t.Helper()
	var h []attest.HistoryEntry
	if code, ref := e.do("GET", "/v1/instances/"+id+"/reports?limit=1000", nil, &h); code != 200 {
		e.t.Fatalf("history: %d %+v", code, ref)
	}
	return h
}

func TestSQLite(t *testing.T)   { suite(t, sqliteDSN) }
func TestPostgres(t *testing.T) { suite(t, postgresDSN) }

func suite(t *testing.T, b backend) {
	t.Run("happy path", func(t *testing.T) { testHappy(t, newEnv(t, b(t), Defaults())) })
	t.Run("refusals", func(t *testing.T) { testRefusals(t, b) })
	t.Run("duplicate acknowledged", func(t *testing.T) { testDuplicate(t, newEnv(t, b(t), Defaults())) })
	t.Run("vulnerable drains", func(t *testing.T) { testDrain(t, b) })
	t.Run("stale", func(t *testing.T) { testStale(t, newEnv(t, b(t), Defaults())) })
	t.Run("key replaced elsewhere", func(t *testing.T) { testKeyReplaced(t, newEnv(t, b(t), Defaults())) })
}

func testHappy(t *testing.T, e *env) {
	e.enrol("i-1", e.key)
	if code, _, resp := e.submit("i-1", e.sign(e.key, report("i-1", 1), e.nonce("i-1").Nonce)); code != 200 || resp.Accepted != 1 {
		t.Fatalf("single: %d %+v", code, resp)
	}
	n := e.nonce("i-1").Nonce
	var batch []*dsse.Envelope
	for seq := uint64(2); seq <= 11; seq++ {
		batch = append(batch, e.sign(e.key, report("i-1", seq), n))
	}
	if code, ref, resp := e.submit("i-1", batch...); code != 200 || resp.Accepted != 10 || resp.LastSequence != 11 {
		t.Fatalf("batch: %d %+v %+v", code, ref, resp)
	}
	h := e.history("i-1")
	if len(h) != 11 || h[0].Sequence != 11 || h[10].Sequence != 1 {
		t.Fatalf("history: %d entries", len(h))
	}
	var stored dsse.Envelope
	if err := json.Unmarshal(h[0].Envelope, &stored); err != nil {
		t.Fatal(err)
	}
	if _, err := attest.Verify(context.Background(), e.key.Verifier, &stored); err != nil {
		t.Fatalf("stored envelope no longer verifies: %v", err)
	}
	var list []attest.InstanceStatus
	e.do("GET", "/v1/instances", nil, &list)
	if len(list) != 1 || list[0].Compliance.State != attest.Compliant || list[0].LastSequence != 11 {
		t.Fatalf("list = %+v", list)
	}
	var sum attest.Summary
	e.do("GET", "/v1/summary", nil, &sum)
	if sum.Instances != 1 || sum.States[attest.Compliant] != 1 || sum.States[attest.Critical] != 0 {
		t.Fatalf("summary = %+v", sum)
	}
}

func testDuplicate(t *testing.T, e *env) {
	e.enrol("i-1", e.key)
	r := report("i-1", 1)
	e.submit("i-1", e.sign(e.key, r, e.nonce("i-1").Nonce))
	// The ack was lost; the reporter sends the same report under a new nonce.
	code, ref, resp := e.submit("i-1", e.sign(e.key, r, e.nonce("i-1").Nonce), e.sign(e.key, report("i-1", 2), "")) // nonce mismatch
	if code != 400 || ref.Code != attest.CodeMalformed {
		t.Fatalf("mixed nonces: %d %+v", code, ref)
	}
	n := e.nonce("i-1").Nonce
	code, ref, resp = e.submit("i-1", e.sign(e.key, r, n), e.sign(e.key, report("i-1", 2), n))
	if code != 200 || resp.Duplicates != 1 || resp.Accepted != 2 {
		t.Fatalf("resend: %d %+v %+v", code, ref, resp)
	}
	if h := e.history("i-1"); len(h) != 2 {
		t.Fatalf("history has %d reports, want 2 (no duplicate stored)", len(h))
	}
}

func testDrain(t *testing.T, b backend) {
	cfg := Defaults()
	cfg.Baseline = attest.Baseline{MinKernel: "6.1.0-28"}
	e := newEnv(t, b(t), cfg)
	e.enrol("i-1", e.key)
	if n := e.nonce("i-1"); n.Drain {
		t.Fatal("drain before any report")
	}
	e.submit("i-1", e.sign(e.key, report("i-1", 1), e.nonce("i-1").Nonce))
	n := e.nonce("i-1")
	if !n.Drain || n.DrainReason != attest.DrainVulnerable || len(n.Reasons) != 1 {
		t.Fatalf("nonce after an old kernel = %+v, want drain vulnerable", n)
	}
	var st attest.InstanceStatus
	e.do("GET", "/v1/instances/i-1", nil, &st)
	if st.Compliance.State != attest.Vulnerable {
		t.Fatalf("compliance = %+v", st.Compliance)
	}
	var vulnerable, critical []attest.InstanceStatus
	e.do("GET", "/v1/instances?state=vulnerable", nil, &vulnerable)
	e.do("GET", "/v1/instances?state=critical", nil, &critical)
	if len(vulnerable) != 1 || len(critical) != 0 {
		t.Fatalf("by state: %d vulnerable, %d critical; want 1 and 0", len(vulnerable), len(critical))
	}
	if code, ref := e.do("GET", "/v1/instances?state=doomed", nil, nil); code != 400 || ref.Code != attest.CodeMalformed {
		t.Fatalf("unknown state: %d %+v", code, ref)
	}
	if n.SendPackages {
		t.Fatal("package list asked for unrequested")
	}
	if code, _ := e.do("POST", "/v1/instances/i-1/packages", nil, nil); code != http.StatusAccepted {
		t.Fatalf("request packages: %d", code)
	}
	if code, ref := e.do("POST", "/v1/instances/i-9/packages", nil, nil); code != 404 || ref.Code != attest.CodeUnknownInstance {
		t.Fatalf("request packages of an unknown instance: %d %+v", code, ref)
	}
	if n := e.nonce("i-1"); !n.SendPackages {
		t.Fatal("nonce reply does not ask for the requested package list")
	}
}

func testStale(t *testing.T, e *env) {
	e.enrol("i-1", e.key)
	e.submit("i-1", e.sign(e.key, report("i-1", 1), e.nonce("i-1").Nonce))
	e.now = e.now.Add(3*time.Minute + time.Second)
	var st attest.InstanceStatus
	e.do("GET", "/v1/instances/i-1", nil, &st)
	if st.Compliance.State != attest.Stale {
		t.Fatalf("after three intervals: %+v", st.Compliance)
	}
}

func TestOperatorTokenAndDocs(t *testing.T) {
	cfg := Defaults()
	cfg.OperatorToken = "s3cret"
	e := newEnv(t, sqliteDSN(t), cfg)
	if code, ref := e.do("GET", "/v1/summary", nil, nil); code != 401 || ref.Code != attest.CodeUnauthorized {
		t.Fatalf("without token: %d %+v", code, ref)
	}
	req, _ := http.NewRequest("GET", e.http.URL+"/v1/summary", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("with token: %v %v", resp, err)
	}
	body := get(t, e.http.URL+"/openapi.yaml")
	if !bytes.Equal(body, OpenAPI()) {
		t.Fatal("served OpenAPI differs from the embedded one")
	}
	var doc struct {
		OpenAPI string                               `yaml:"openapi"`
		Paths   map[string]map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.yaml: %v, version %q", err, doc.OpenAPI)
	}
	routes := e.srv.routes()
	for _, r := range routes {
		if doc.Paths[r.path][strings.ToLower(r.method)] == nil {
			t.Errorf("openapi.yaml does not describe %s %s", r.method, r.path)
		}
	}
	ops := 0
	for _, methods := range doc.Paths {
		ops += len(methods)
	}
	if ops != len(routes) {
		t.Errorf("openapi.yaml describes %d operations, the server has %d", ops, len(routes))
	}
	e.enrol("i-1", e.key)
	e.submit("i-1", e.sign(e.key, report("i-1", 1), e.nonce("i-1").Nonce))
	e.submit("i-1") // malformed: empty
	m := string(get(t, e.http.URL+"/metrics"))
	for _, want := range []string{`moat_attestd_reports_total{result="accepted"} 1`, `moat_attestd_refusals_total{code="malformed"} 1`,
		`moat_attestd_instances{state="compliant"} 1`, `moat_attestd_enrolments_total 1`,
		"moat_attestd_store_group_seconds_count 2"} { // the nonce's group, the report's
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// TestEnvelopeStoredAsReceived: the store keeps an envelope's bytes as
// the instance sent them, not the server's encoding of them; an
// envelope of the wrong shape is refused with its index.
func TestEnvelopeStoredAsReceived(t *testing.T) {
	e := newEnv(t, sqliteDSN(t), Defaults())
	e.enrol("i-1", e.key)
	env := e.sign(e.key, report("i-1", 1), e.nonce("i-1").Nonce)
	raw, _ := json.MarshalIndent(env, "", "  ")
	if code, ref := e.do("POST", "/v1/instances/i-1/reports", []byte(`{"envelopes": [`+string(raw)+`]}`), nil); code != 200 {
		t.Fatalf("submit: %d %+v", code, ref)
	}
	got, err := e.store.History(context.Background(), "i-1", 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("history: %v %v", got, err)
	}
	if !bytes.Equal(got[0].Envelope, raw) {
		t.Errorf("stored envelope\n%s\nwant the bytes sent\n%s", got[0].Envelope, raw)
	}
	body := []byte(`{"envelopes": [` + string(raw) + `, {"signatures": 5}]}`)
	if code, ref := e.do("POST", "/v1/instances/i-1/reports", body, nil); code != 400 || ref.Code != attest.CodeMalformed || ref.Index == nil || *ref.Index != 1 {
		t.Errorf("an envelope of the wrong shape: %d %+v, want 400 malformed at index 1", code, ref)
	}
}
