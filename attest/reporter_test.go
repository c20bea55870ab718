package attest_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/internal/pgtest"
	"github.com/moat-sh/moat/attest/server"
	"github.com/moat-sh/moat/attest/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var (
	pg    *pgtest.Server
	pgErr error
)

func TestMain(m *testing.M) {
	if os.Getenv("MOAT_FIPS_CHILD") == "" { // the FIPS child needs no database
		pg, pgErr = pgtest.Start()
	}
	code := m.Run()
	if pg != nil {
		pg.Stop()
	}
	os.Exit(code)
}

// upstream is a moat-attestd on a fixed loopback address over a SQLite
// file, which a test stops and starts again.
type upstream struct {
	t    *testing.T
	db   string
	addr string
	wrap func(http.Handler) http.Handler
	cfg  *server.Config // Defaults when nil
	hs   *http.Server
	st   *store.Store
}

func newUpstream(t *testing.T) *upstream {
	return newUpstreamOn(t, filepath.Join(t.TempDir(), "attestd.db"))
}

func newUpstreamOn(t *testing.T, dsn string) *upstream {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{t: t, db: dsn, addr: ln.Addr().String()}
	ln.Close()
	u.start()
	t.Cleanup(u.stop)
	return u
}

func (u *upstream) start() {
	u.t.Helper()
	st, err := store.Open(context.Background(), u.db)
	if err != nil {
		u.t.Fatal(err)
	}
	var ln net.Listener
	for range 50 { // the port was ours a moment ago
		if ln, err = net.Listen("tcp", u.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		u.t.Fatal(err)
	}
	cfg := server.Defaults()
	if u.cfg != nil {
		cfg = *u.cfg
	}
	h := server.New(st, cfg, quiet).Handler()
	if u.wrap != nil {
		h = u.wrap(h)
	}
	u.st, u.hs = st, &http.Server{Handler: h}
	go u.hs.Serve(ln)
}

// stop kills the server abruptly: connections are cut, nothing drains.
func (u *upstream) stop() {
	if u.hs != nil {
		u.hs.Close()
		u.st.Close()
		u.hs, u.st = nil, nil
	}
}

func (u *upstream) token(id string) string {
	st, err := store.Open(context.Background(), u.db)
	if err != nil {
		u.t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.CreateToken(context.Background(), id, time.Hour, time.Now())
	if err != nil {
		u.t.Fatal(err)
	}
	return tok
}

// checkStored asserts that the database holds exactly reports 1..n of id,
// read from a fresh handle on the file.
func (u *upstream) checkStored(id string, n uint64) {
	u.t.Helper()
	st, err := store.Open(context.Background(), u.db)
	if err != nil {
		u.t.Fatal(err)
	}
	defer st.Close()
	h, err := st.History(context.Background(), id, 1<<20)
	if err != nil {
		u.t.Fatal(err)
	}
	if uint64(len(h)) != n {
		u.t.Fatalf("stored %d reports, want %d", len(h), n)
	}
	for i, r := range h {
		if want := n - uint64(i); r.Sequence != want {
			u.t.Fatalf("stored report %d is sequence %d, want %d: order broken or one lost", i, r.Sequence, want)
		}
	}
}

type collector struct{ n atomic.Uint64 }

func (c *collector) collect(context.Context) (attest.Claims, error) {
	c.n.Add(1)
	var cl attest.Claims
	cl.Lifetime.InstanceID = "i-1"
	cl.Enforcement.SELinuxMode = "enforcing"
	return cl, nil
}

func newReporter(t *testing.T, u *upstream, state string, c *collector) *attest.Reporter {
	t.Helper()
	return newReporterWith(t, attest.ReporterConfig{Server: "http://" + u.addr}, state, c)
}

func newReporterWith(t *testing.T, cfg attest.ReporterConfig, state string, c *collector) *attest.Reporter {
	t.Helper()
	key, err := attest.LoadOrCreateKey(state)
	if err != nil {
		t.Fatal(err)
	}
	cfg.StateDir, cfg.InstanceID, cfg.Collect, cfg.Log = state, "i-1", c.collect, quiet
	cfg.Interval, cfg.BatchSize = 10*time.Millisecond, 5
	cfg.MinBackoff, cfg.MaxBackoff = 5*time.Millisecond, 40*time.Millisecond
	r, err := attest.NewReporter(cfg, key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// running runs a reporter until the returned stop is called.
func running(r *attest.Reporter) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.Run(ctx) })
	return func() { cancel(); wg.Wait() }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (u *upstream) lastSeq(id string) uint64 {
	if u.st == nil {
		return 0
	}
	inst, err := u.st.Instance(context.Background(), id)
	if err != nil {
		return 0
	}
	return inst.LastSeq
}

// finish stops reporting and sends what is left; it returns how many
// reports were made.
func finish(t *testing.T, stop func(), r *attest.Reporter, c *collector) uint64 {
	t.Helper()
	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return c.n.Load()
}

// TestReporterOutage: the server goes down, moatd restarts while it is
// down, the server comes back: every report arrives once, in order.
func TestReporterOutage(t *testing.T) {
	forEachStore(t, testReporterOutage)
}

// forEachStore runs f against a server on SQLite and on PostgreSQL.
func forEachStore(t *testing.T, f func(t *testing.T, u *upstream)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newUpstream(t)) })
	t.Run("postgres", func(t *testing.T) {
		if pg == nil {
			t.Fatalf("postgresql: %v", pgErr)
		}
		dsn, err := pg.NewDatabase()
		if err != nil {
			t.Fatal(err)
		}
		f(t, newUpstreamOn(t, dsn))
	})
}

func testReporterOutage(t *testing.T, u *upstream) {
	state, c := t.TempDir(), &collector{}
	r := newReporter(t, u, state, c)
	if r.Enrolled() {
		t.Fatal("enrolled before Enrol")
	}
	if err := r.Enrol(context.Background(), u.token("i-1")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if !r.LastDelivered().IsZero() {
		t.Error("LastDelivered is set before anything was sent")
	}
	stop := running(r)
	waitFor(t, "10 reports stored", func() bool { return u.lastSeq("i-1") >= 10 })
	waitFor(t, "LastDelivered set", func() bool { return !r.LastDelivered().Before(start) })
	t.Logf("up: %v", time.Since(start))
	u.stop()
	waitFor(t, "15 reports spooled in the outage", func() bool { return r.Pending() >= 15 })
	stop() // moatd restarts in the outage
	r = newReporter(t, u, state, c)
	if !r.Enrolled() {
		t.Fatal("the enrolment was forgotten across a restart")
	}
	if r.Pending() < 15 {
		t.Fatalf("after restart %d reports pending, want at least 15", r.Pending())
	}
	stop = running(r)
	waitFor(t, "more reports spooled", func() bool { return r.Pending() >= 25 })
	t.Logf("outage: %v", time.Since(start))
	made := c.n.Load()
	u.start()
	waitFor(t, "the outage's reports stored", func() bool { return u.lastSeq("i-1") >= made })
	t.Logf("drained: %v", time.Since(start))
	made = finish(t, stop, r, c)
	u.stop()
	u.checkStored("i-1", made)
	t.Logf("%d reports made, all stored once and in order", made)
}

// TestServerCrashMidBatch: the server dies in a batch before committing
// it, and again after committing one but before answering; it restarts
// from its file. No acknowledged report is lost and none is stored twice.
func TestServerCrashMidBatch(t *testing.T) {
	forEachStore(t, testServerCrashMidBatch)
}

func testServerCrashMidBatch(t *testing.T, u *upstream) {
	var submits atomic.Int64
	var batch atomic.Int64
	crashed := make(chan struct{}, 1)
	u.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Method != http.MethodPost || filepath.Base(req.URL.Path) != "reports" {
				h.ServeHTTP(w, req)
				return
			}
			switch submits.Add(1) {
			case 2: // dies before committing
				cut(w)
			case 4: // dies after committing, before answering
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Errorf("submission 4 was not stored: %d %s", rec.Code, rec.Body)
				}
				var ack attest.SubmitResponse
				json.Unmarshal(rec.Body.Bytes(), &ack)
				batch.Store(int64(ack.Accepted))
				cut(w)
				crashed <- struct{}{}
			default:
				h.ServeHTTP(w, req)
			}
		})
	}
	u.stop()
	u.start()
	state, c := t.TempDir(), &collector{}
	r := newReporter(t, u, state, c)
	if err := r.Enrol(context.Background(), u.token("i-1")); err != nil {
		t.Fatal(err)
	}
	u.stop() // let reports pile up, so that the submissions are batches
	stop := running(r)
	waitFor(t, "20 reports spooled", func() bool { return r.Pending() >= 20 })
	u.start()
	select {
	case <-crashed:
	case <-time.After(20 * time.Second):
		t.Fatal("the server never reached the fourth submission")
	}
	u.stop()
	u.start()
	waitFor(t, "40 reports stored", func() bool { return u.lastSeq("i-1") >= 40 })
	made := finish(t, stop, r, c)
	u.stop()
	u.checkStored("i-1", made)
	if batch.Load() < 2 {
		t.Fatalf("the crash came after a batch of %d, want a batch", batch.Load())
	}
	t.Logf("%d reports made over %d submissions, all stored once and in order", made, submits.Load())
}

func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}
