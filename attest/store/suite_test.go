package store

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/internal/pgtest"
)

var (
	pg    *pgtest.Server
	pgErr error
)

func TestMain(m *testing.M) {
	pg, pgErr = pgtest.Start()
	code := m.Run()
	if pg != nil {
		pg.Stop()
	}
	os.Exit(code)
}

// backend opens a fresh store and a function that opens it again.
type backend func(t *testing.T) (first *Store, reopen func() *Store)

func sqliteBackend(t *testing.T) (*Store, func() *Store) {
	path := filepath.Join(t.TempDir(), "attest.db")
	return openOrFail(t, path), func() *Store { return openOrFail(t, path) }
}

func postgresBackend(t *testing.T) (*Store, func() *Store) {
	if pg == nil {
		t.Fatalf("postgresql: %v", pgErr)
	}
	dsn, err := pg.NewDatabase()
	if err != nil {
		t.Fatal(err)
	}
	return openOrFail(t, dsn), func() *Store { return openOrFail(t, dsn) }
}

func openOrFail(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T)   { suite(t, sqliteBackend) }
func TestPostgres(t *testing.T) { suite(t, postgresBackend) }

func suite(t *testing.T, b backend) {
	t.Run("enrolment", func(t *testing.T) { s, _ := b(t); testEnrolment(t, s) })
	t.Run("nonces and sequence", func(t *testing.T) { s, _ := b(t); testAppend(t, s) })
	t.Run("durable after reopen", func(t *testing.T) { testReopen(t, b) })
	t.Run("report stored once", func(t *testing.T) { testReportOnce(t, b) })
	t.Run("concurrent replicas", func(t *testing.T) { testConcurrent(t, b) })
	t.Run("batch", func(t *testing.T) { s, _ := b(t); testBatch(t, s) })
	t.Run("package list request", func(t *testing.T) { s, _ := b(t); testPackages(t, s) })
	t.Run("mixed groups", func(t *testing.T) { s, _ := b(t); testMixedGroups(t, s) })
	t.Run("key changed", func(t *testing.T) { s, _ := b(t); testKeyChanged(t, s) })
	t.Run("failed group", func(t *testing.T) { s, _ := b(t); testFailedGroup(t, s) })
	t.Run("observed groups", func(t *testing.T) { s, _ := b(t); testObserveGroups(t, s) })
}

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func verifier(t *testing.T, seed byte) *attest.Verifier {
	seedBytes := make([]byte, 32)
	seedBytes[0] = seed
	v, err := verifierFromSeed(seedBytes)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func verifierFromSeed(seed []byte) (*attest.Verifier, error) {
	return attest.NewVerifier(ed25519.NewKeyFromSeed(seed).Public())
}

func enrol(t *testing.T, s *Store, id string) {
	t.Helper()
	ctx := context.Background()
	tok, err := s.CreateToken(ctx, id, time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enrol(ctx, tok, id, verifier(t, 1), t0); err != nil {
		t.Fatal(err)
	}
}

func testEnrolment(t *testing.T, s *Store) {
	ctx := context.Background()
	tok, err := s.CreateToken(ctx, "i-1", time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enrol(ctx, tok, "i-2", verifier(t, 1), t0); !errors.Is(err, ErrBadToken) {
		t.Fatalf("token for another instance: %v", err)
	}
	if _, err := s.Enrol(ctx, tok, "i-1", verifier(t, 1), t0.Add(2*time.Hour)); !errors.Is(err, ErrBadToken) {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := s.Instance(ctx, "i-1"); !errors.Is(err, ErrUnknownInstance) {
		t.Fatalf("before enrolment: %v", err)
	}
	if last, err := s.Enrol(ctx, tok, "i-1", verifier(t, 1), t0); err != nil || last != 0 {
		t.Fatalf("enrol = %d %v", last, err)
	}
	if _, err := s.Enrol(ctx, tok, "i-1", verifier(t, 1), t0); !errors.Is(err, ErrBadToken) {
		t.Fatalf("token used twice: %v", err)
	}
	inst, err := s.Instance(ctx, "i-1")
	if err != nil || inst.Alg != attest.AlgEd25519 || string(inst.PublicKey) != string(verifier(t, 1).PublicDER()) {
		t.Fatalf("instance = %+v %v", inst, err)
	}
}

// reports are instance id's reports from to to, as the server stores them.
func reports(id string, from, to uint64) []Report {
	var out []Report
	for seq := from; seq <= to; seq++ {
		out = append(out, stored(report(id, seq)))
	}
	return out
}

func report(id string, seq uint64) attest.Report {
	r := attest.Report{Sequence: seq, ObservedAt: t0.Add(time.Duration(seq) * time.Minute), Trigger: "interval"}
	r.Claims.Lifetime.InstanceID = id
	return r
}

// reportKey signs the test reports: a read takes a report from its
// envelope.
var reportKey = must(attest.NewKey(ed25519.NewKeyFromSeed(make([]byte, 32))))

// stored is r as the server hands it to the store, with its envelope.
func stored(r attest.Report) Report {
	raw := must(json.Marshal(must(attest.Sign(context.Background(), reportKey, r, "nonce"))))
	return Report{Sequence: r.Sequence, Digest: attest.ReportDigest(r), Report: r, Envelope: raw}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func nonce(t *testing.T, s *Store, id string) string {
	t.Helper()
	n, _, err := s.IssueNonce(context.Background(), id, time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testAppend(t *testing.T, s *Store) {
	ctx := context.Background()
	enrol(t, s, "i-1")
	enrol(t, s, "i-2")
	n := nonce(t, s, "i-1")
	if err := s.CheckNonce(ctx, "i-2", n, t0); !errors.Is(err, ErrStaleNonce) {
		t.Fatalf("another instance's nonce: %v", err)
	}
	if err := s.Append(ctx, "i-1", n, t0, reports("i-1", 1, 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, "i-1", n, t0, reports("i-1", 4, 4)); !errors.Is(err, ErrReplayed) {
		t.Fatalf("used nonce: %v", err)
	}
	n2 := nonce(t, s, "i-1")
	if err := s.Append(ctx, "i-1", n2, t0, reports("i-1", 3, 4)); !errors.Is(err, ErrReordered) {
		t.Fatalf("sequence 3 again: %v", err)
	}
	if err := s.Append(ctx, "i-1", n2, t0.Add(2*time.Minute), reports("i-1", 4, 4)); !errors.Is(err, ErrStaleNonce) {
		t.Fatalf("expired nonce: %v", err)
	}
	if err := s.Append(ctx, "i-1", n2, t0, reports("i-1", 4, 4)); err != nil {
		t.Fatalf("nonce refused after a refusal stored nothing: %v", err)
	}
	checkSeqs(t, s, "i-1", 4)
	if d, ok, err := s.Digest(ctx, "i-1", 2); err != nil || !ok || d != reports("i-1", 2, 2)[0].Digest {
		t.Fatalf("digest = %q %v %v", d, ok, err)
	}
	if _, ok, _ := s.Digest(ctx, "i-1", 9); ok {
		t.Fatal("digest of a report never stored")
	}
}

// checkSeqs asserts that id holds exactly reports 1..n and that the
// instance's last sequence and latest report agree.
func checkSeqs(t *testing.T, s *Store, id string, n uint64) {
	t.Helper()
	ctx := context.Background()
	h, err := s.History(ctx, id, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(h)) != n {
		t.Fatalf("history has %d reports, want %d", len(h), n)
	}
	for i, r := range h {
		if want := n - uint64(i); r.Sequence != want || r.Report.Sequence != want {
			t.Fatalf("history[%d] = %d, want %d", i, r.Sequence, want)
		}
	}
	inst, err := s.Instance(ctx, id)
	if err != nil || inst.LastSeq != n || (n > 0 && (inst.Latest == nil || inst.Latest.Sequence != n)) {
		t.Fatalf("instance = %+v %v, want last %d", inst, err, n)
	}
}

func testReopen(t *testing.T, b backend) {
	s, reopen := b(t)
	enrol(t, s, "i-1")
	if err := s.Append(context.Background(), "i-1", nonce(t, s, "i-1"), t0, reports("i-1", 1, 5)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	checkSeqs(t, reopen(), "i-1", 5)
}

// testReportOnce: a store from before migration 0004, whose rows kept
// each report a second time beside its envelope, loses that copy when
// opened, and reads every report from its envelope as before.
func testReportOnce(t *testing.T, b backend) {
	ctx := context.Background()
	s, reopen := b(t)
	enrol(t, s, "i-1")
	second := report("i-1", 2)
	second.Claims.Patch.Packages = []string{"zlib1g 1:1.2.13 amd64"}
	want := []Report{stored(report("i-1", 1)), stored(second)}
	if err := s.Append(ctx, "i-1", nonce(t, s, "i-1"), t0, want); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"ALTER TABLE reports ADD COLUMN report TEXT NOT NULL DEFAULT '{}'", "DELETE FROM schema_migrations WHERE version = 4"} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = reopen()
	if _, err := s.db.ExecContext(ctx, "SELECT report FROM reports"); err == nil {
		t.Fatal("the report column is still there")
	}
	h, err := s.History(ctx, "i-1", 10)
	if err != nil || len(h) != 2 {
		t.Fatalf("history: %d reports, %v", len(h), err)
	}
	for i, r := range h {
		if w := want[1-i]; !reflect.DeepEqual(r.Report, w.Report) || string(r.Envelope) != string(w.Envelope) {
			t.Fatalf("report %d read as %+v, want %+v", r.Sequence, r.Report, w.Report)
		}
	}
	inst, err := s.Instance(ctx, "i-1")
	if err != nil || inst.Latest == nil || !reflect.DeepEqual(*inst.Latest, want[1].Report) {
		t.Fatalf("latest: %+v, %v", inst.Latest, err)
	}
}

// testConcurrent races replicas on one database: for each sequence
// exactly one submission wins, the others are refused as reordered.
func testConcurrent(t *testing.T, b backend) {
	s, reopen := b(t)
	enrol(t, s, "i-1")
	other := reopen()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for i := range 8 {
		st := []*Store{s, other}[i%2]
		n := nonce(t, st, "i-1")
		wg.Go(func() {
			err := st.Append(context.Background(), "i-1", n, t0, reports("i-1", 1, 3))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, ErrReordered):
				lost++
			default:
				t.Errorf("append: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || lost != 7 {
		t.Fatalf("won %d, lost %d; want 1 and 7", won, lost)
	}
	checkSeqs(t, s, "i-1", 3)
}

func testBatch(t *testing.T, s *Store) {
	enrol(t, s, "i-1")
	const batches, size = 20, 250
	start := time.Now()
	for i := range uint64(batches) {
		err := s.Append(context.Background(), "i-1", nonce(t, s, "i-1"), t0, reports("i-1", i*size+1, (i+1)*size))
		if err != nil {
			t.Fatal(err)
		}
	}
	el := time.Since(start)
	t.Logf("%d reports in batches of %d: %v, %.0f reports/s", batches*size, size, el, float64(batches*size)/el.Seconds())
	checkSeqs(t, s, "i-1", batches*size)
}

func testPackages(t *testing.T, s *Store) {
	ctx := context.Background()
	if err := s.RequestPackages(ctx, "i-9"); !errors.Is(err, ErrUnknownInstance) {
		t.Fatalf("unknown instance: %v", err)
	}
	enrol(t, s, "i-1")
	if err := s.RequestPackages(ctx, "i-1"); err != nil {
		t.Fatal(err)
	}
	requested := func() bool { inst, _ := s.Instance(ctx, "i-1"); return inst.PackagesRequested }
	if !requested() {
		t.Fatal("request not recorded")
	}
	s.Append(ctx, "i-1", nonce(t, s, "i-1"), t0, reports("i-1", 1, 1))
	if !requested() {
		t.Fatal("request cleared by a report without the list")
	}
	r := report("i-1", 2)
	r.Claims.Patch.Packages = []string{"zlib1g 1:1.2.13 amd64"}
	if err := s.Append(ctx, "i-1", nonce(t, s, "i-1"), t0, []Report{stored(r)}); err != nil {
		t.Fatal(err)
	}
	if requested() {
		t.Fatal("request not cleared by the list")
	}
}
