package server

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/bench/sample"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// The fleet load of make bench: 10,000 enrolled instances, each sending
// one signed report per pass over loopback HTTP; the first pass warms
// the server's key cache, as any pass after a restart does. Reports are signed
// before the clock starts (signing is the instances' work, not the
// server's). Results are printed as package sample's lines.
//
// The saturating pass keeps fleetClients requests in flight. The paced
// pass offers fleetPace reports/s open loop: report i is due at
// start + i/fleetPace, its latency runs from when it was due (a server
// that falls behind is charged for the queue it builds, no coordinated
// omission), and enough clients are ready that they are not the limit.
// It also reports the rate it was served at: below the offered rate,
// the p99 is not the p99 at that rate.
const (
	fleetSize    = 10000
	fleetClients = 512
	fleetPace    = 5000 // reports/s offered by the paced pass (issue 9's target rate)
	pacedClients = 1024
)

// fleetInstance is one instance of the load: its id and its key's seed.
// The load generator shares the server's process and so its collector:
// it keeps no parsed keys between passes (a key and its signer's cache
// are about seventeen objects to trace), as the instances it stands for
// keep them on machines of their own.
type fleetInstance struct {
	id   string
	seed [ed25519.SeedSize]byte
}

func fleetKeys() []fleetInstance {
	out := make([]fleetInstance, fleetSize)
	for i := range out {
		out[i].id = fmt.Sprintf("i-%05d", i)
		binary.BigEndian.PutUint64(out[i].seed[:], uint64(i+1))
	}
	return out
}

// key makes the instance's key.
func (f *fleetInstance) key() (*attest.Key, error) {
	return attest.NewKey(ed25519.NewKeyFromSeed(f.seed[:]))
}

// parallel runs fn for every index on 64 goroutines, so that the
// store's group commit batches the setup's writes.
func parallel(b *testing.B, n int, fn func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

func (e *env) enrolFleet(b *testing.B, fleet []fleetInstance) {
	ctx := context.Background()
	parallel(b, len(fleet), func(i int) error {
		tok, err := e.store.CreateToken(ctx, fleet[i].id, time.Hour, e.now)
		if err != nil {
			return err
		}
		k, err := fleet[i].key()
		if err != nil {
			return err
		}
		_, err = e.store.Enrol(ctx, tok, fleet[i].id, k.Verifier, e.now)
		return err
	})
}

// signPass issues a nonce for every instance and signs its report seq.
func (e *env) signPass(b *testing.B, fleet []fleetInstance, seq uint64) [][]byte {
	ctx := context.Background()
	bodies := make([][]byte, len(fleet))
	parallel(b, len(fleet), func(i int) error {
		n, _, err := e.store.IssueNonce(ctx, fleet[i].id, time.Hour, e.now)
		if err != nil {
			return err
		}
		k, err := fleet[i].key()
		if err != nil {
			return err
		}
		env, err := attest.Sign(ctx, k, report(fleet[i].id, seq), n)
		if err != nil {
			return err
		}
		bodies[i], err = json.Marshal(attest.SubmitRequest{Envelopes: []*dsse.Envelope{env}})
		return err
	})
	return bodies
}

// load posts every body, clients at a time, as fast as the server
// answers (pace 0) or each when due at pace a second, and returns the
// latencies (from the send, or from when due) and the wall time.
func (e *env) load(b *testing.B, fleet []fleetInstance, bodies [][]byte, clients, pace int) ([]time.Duration, time.Duration) {
	lat := make([]time.Duration, len(bodies))
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	conns := e.dialLoad(b, clients)
	start := time.Now()
	for _, c := range conns {
		wg.Go(func() {
			defer c.Close()
			for i := int(next.Add(1) - 1); i < len(bodies); i = int(next.Add(1) - 1) {
				t0 := time.Now()
				if pace > 0 {
					t0 = start.Add(time.Duration(i) * time.Second / time.Duration(pace))
					time.Sleep(time.Until(t0))
				}
				if err := c.post("/v1/instances/"+fleet[i].id+"/reports", bodies[i]); err != nil {
					failed.Store(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return lat, time.Since(start)
}

// loadConn is one of the load generator's kept-alive HTTP/1.1
// connections: a request is written as bytes in one writev, the answer
// read with net/http's parser. net/http's client runs two goroutines a
// connection and hands every request between them, CPU that on two
// cores the load generator would take from the server it measures.
type loadConn struct {
	net.Conn
	r    *bufio.Reader
	host string
}

func (e *env) dialLoad(b *testing.B, n int) []*loadConn {
	host := strings.TrimPrefix(e.http.URL, "http://")
	conns := make([]*loadConn, n)
	for i := range conns {
		c, err := net.Dial("tcp", host)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = &loadConn{Conn: c, r: bufio.NewReader(c), host: host}
	}
	return conns
}

func (c *loadConn) post(path string, body []byte) error {
	head := fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		path, c.host, len(body))
	bufs := net.Buffers{head, body}
	if _, err := bufs.WriteTo(c.Conn); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, raw)
	}
	return nil
}

func percentile(lat []time.Duration, p int) float64 {
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
}

func emitMetric(b *testing.B, round int, what, config string, v float64, unit string) {
	m := sample.Metric{What: what, Config: config, Round: round, Value: v, Unit: unit}
	if err := sample.Emit(os.Stdout, "metric", m); err != nil {
		b.Fatal(err)
	}
}

// fleetRounds: the saturated and the paced passes run this many times,
// each saturated pass just after the verification ceiling it is a
// ratio to (this machine is shared: a ceiling measured minutes apart
// says little).
const fleetRounds = 7

// BenchmarkFleet: after a first pass that warms the key cache, each
// round gives the ceiling beside, the saturating pass's reports/s and
// latency, and the paced pass's p50 and p99 at fleetPace a second and
// the rate it was served at.
func BenchmarkFleet(b *testing.B) {
	TuneGC() // as moat-attestd serve runs
	fleet := fleetKeys()
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": sqliteDSN, "postgres": postgresDSN} {
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, dsn(b), Defaults())
			e.http.Config.Handler = inHandler.wrap(e.http.Config.Handler) // before the first request
			e.store.ObserveGroups(inGroups.add)                           // in place of the server's metric
			e.enrolFleet(b, fleet)
			// The first pass after the server starts reads each instance's
			// key from the store; the rounds after it are the steady state
			// of a server that has seen its fleet once.
			lat, wall := e.load(b, fleet, e.signPass(b, fleet, 1), fleetClients, 0)
			emitMetric(b, 0, "attest reports/s, first pass", name, float64(len(lat))/wall.Seconds(), "reports/s")
			for round := range fleetRounds {
				seq := uint64(2 + 2*round)
				e.saturated(b, fleet, name, round, seq)
				e.paced(b, fleet, name, round, seq+1)
			}
		})
	}
}

func (e *env) saturated(b *testing.B, fleet []fleetInstance, name string, round int, seq uint64) {
	bodies := e.signPass(b, fleet, seq)
	cpu0 := processCPU(b)
	emitMetric(b, round, "verify ceiling beside", name, verifyRate(b, fleet[:500], 5000), "reports/s")
	cpu1 := processCPU(b)
	lat, wall := e.load(b, fleet, bodies, fleetClients, 0)
	cpu2 := processCPU(b)
	emitMetric(b, round, "attest reports/s", name, float64(len(lat))/wall.Seconds(), "reports/s")
	emitMetric(b, round, "verify per CPU-second", name, 5000/(cpu1-cpu0).Seconds(), "reports/CPU-s")
	emitMetric(b, round, "attest per CPU-second", name, float64(len(lat))/(cpu2-cpu1).Seconds(), "reports/CPU-s")
	emitMetric(b, round, "attest p50 (saturated)", name, percentile(lat, 50), "ms")
	emitMetric(b, round, "attest p99 (saturated)", name, percentile(lat, 99), "ms")
}

func (e *env) paced(b *testing.B, fleet []fleetInstance, name string, round int, seq uint64) {
	bodies := e.signPass(b, fleet, seq)
	inHandler.start()
	inGroups.start()
	disk := startFlushControl(b)
	lat, wall := e.load(b, fleet, bodies, pacedClients, fleetPace)
	stall := disk.stop(b)
	served, groups := inHandler.stop(), inGroups.stop()
	paced := fmt.Sprintf("paced at %d/s", fleetPace)
	emitMetric(b, round, "attest p50 "+paced, name, percentile(lat, 50), "ms")
	emitMetric(b, round, "attest p99 "+paced, name, percentile(lat, 99), "ms")
	emitMetric(b, round, "attest p99 in the handler, "+paced, name, percentile(served, 99), "ms")
	emitMetric(b, round, "attest p99 in the store's group transaction, "+paced, name, percentile(groups, 99), "ms")
	emitMetric(b, round, "attest served "+paced, name, float64(len(lat))/wall.Seconds(), "reports/s")
	emitMetric(b, round, "disk flush beside, "+paced+", longest", name, float64(stall.Microseconds())/1000, "ms")
}

// flushControl is the paced pass's control for the disk, as getppid is
// the hook pass's for the CPU: beside the pass, every 5 ms, it writes
// 4 KiB to a file of its own and fdatasyncs it, on the filesystem of
// both databases (the temporary folder), and keeps its longest flush.
// This machine's disk is shared: now and then a flush waits tens of
// milliseconds behind other writes, the kernel's writeback of the
// database's own pages among them, and the commits waiting on the
// disk then wait with it, whatever the server does.
type flushControl struct {
	stopc chan struct{}
	done  chan error // after stop, or on the first failure
	// longest is the longest flush, read once done has answered.
	longest time.Duration
}

func startFlushControl(b *testing.B) *flushControl {
	f, err := os.Create(filepath.Join(b.TempDir(), "flush-control"))
	if err != nil {
		b.Fatal(err)
	}
	c := &flushControl{stopc: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		defer f.Close()
		c.done <- c.watch(f)
	}()
	return c
}

// watch flushes f every 5 ms until stopped, keeping the longest flush.
func (c *flushControl) watch(f *os.File) error {
	block := make([]byte, 4096)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.stopc:
			return nil
		case <-tick.C:
		}
		t0 := time.Now()
		if _, err := f.WriteAt(block, 0); err != nil {
			return err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return fmt.Errorf("fdatasync %s: %w", f.Name(), err)
		}
		c.longest = max(c.longest, time.Since(t0))
	}
}

// stop ends the control and returns its longest flush.
func (c *flushControl) stop(b *testing.B) time.Duration {
	close(c.stopc)
	if err := <-c.done; err != nil {
		b.Fatal(err)
	}
	return c.longest
}

// timings records durations while on: inHandler each paced request's
// time in the server's handler, from the handler's call, its request
// head read, to its return, its answer written (the latency the load
// generator sees adds the wait before and after, for the cores and for
// the scheduler, which the load generator's own goroutines share); and
// inGroups, for each paced report, the group transaction it waited on
// in the store (the database's share of the handler's time).
type timings struct {
	mu sync.Mutex
	on bool
	d  []time.Duration
}

var inHandler, inGroups timings

func (h *timings) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		next.ServeHTTP(w, r)
		h.add(1, time.Since(t0))
	})
}

// add records d n times.
func (h *timings) add(n int, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.on {
		for range n {
			h.d = append(h.d, d)
		}
	}
}

func (h *timings) start() {
	h.mu.Lock()
	h.on, h.d = true, h.d[:0]
	h.mu.Unlock()
}

func (h *timings) stop() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.on = false
	return slices.Clone(h.d)
}

// BenchmarkVerifyCeiling: the bare signature-verification loop on every
// core the process may use, over the same kind of envelopes: the most
// reports/s any server on this machine could verify.
func BenchmarkVerifyCeiling(b *testing.B) {
	rate := verifyRate(b, fleetKeys()[:1000], 20000)
	emitMetric(b, 0, "verify ceiling", fmt.Sprintf("%d cores", runtime.GOMAXPROCS(0)), rate, "reports/s")
}

// processCPU is the CPU time this process has used (user and system):
// per CPU-second, a figure does not move with what else the shared
// machine runs. PostgreSQL's own processes are not counted.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// verifyRate runs attest.Verify total times on GOMAXPROCS goroutines
// and returns verifications a second.
func verifyRate(b *testing.B, fleet []fleetInstance, total int) float64 {
	ctx := context.Background()
	envs := make([]*dsse.Envelope, len(fleet))
	vs := make([]*attest.Verifier, len(fleet))
	for i, f := range fleet {
		k, err := f.key()
		if err != nil {
			b.Fatal(err)
		}
		envs[i], _ = attest.Sign(ctx, k, report(f.id, 1), "nonce")
		vs[i] = k.Verifier
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < total; i = int(next.Add(1) - 1) {
				if _, err := attest.Verify(ctx, vs[i%len(vs)], envs[i%len(envs)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(total) / time.Since(start).Seconds()
}
