package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
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
// one signed report per pass over loopback HTTP. Reports are signed
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

type fleetInstance struct {
	id  string
	key *attest.Key
}

func fleetKeys(b *testing.B) []fleetInstance {
	out := make([]fleetInstance, fleetSize)
	for i := range out {
		seed := make([]byte, 32)
		binary.BigEndian.PutUint64(seed, uint64(i+1))
		k, err := attest.NewKey(ed25519.NewKeyFromSeed(seed))
		if err != nil {
			b.Fatal(err)
		}
		out[i] = fleetInstance{id: fmt.Sprintf("i-%05d", i), key: k}
	}
	return out
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
		v, err := attest.ParsePublicKey(fleet[i].key.PublicDER())
		if err != nil {
			return err
		}
		_, err = e.store.Enrol(ctx, tok, fleet[i].id, v, e.now)
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
		env, err := attest.Sign(ctx, fleet[i].key, report(fleet[i].id, seq), n)
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
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(bodies); i = int(next.Add(1) - 1) {
				t0 := time.Now()
				if pace > 0 {
					t0 = start.Add(time.Duration(i) * time.Second / time.Duration(pace))
					time.Sleep(time.Until(t0))
				}
				if err := e.post(client, fleet[i].id, bodies[i]); err != nil {
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

func (e *env) post(c *http.Client, id string, body []byte) error {
	resp, err := c.Post(e.http.URL+"/v1/instances/"+id+"/reports", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("submit %s: %d %s", id, resp.StatusCode, raw)
	}
	return nil
}

func percentile(lat []time.Duration, p int) float64 {
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
}

func emitMetric(b *testing.B, what, config string, v float64, unit string) {
	if err := sample.Emit(os.Stdout, "metric", sample.Metric{What: what, Config: config, Value: v, Unit: unit}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFleet: the saturating pass gives reports/s and its latency;
// the paced pass offers fleetPace a second whatever the server managed
// saturated, and gives p50 and p99 at that rate and the rate served.
func BenchmarkFleet(b *testing.B) {
	fleet := fleetKeys(b)
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": sqliteDSN, "postgres": postgresDSN} {
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, dsn(b), Defaults())
			e.enrolFleet(b, fleet)
			bodies := e.signPass(b, fleet, 1)
			// The ceiling again, just before: this machine is shared, and a
			// ratio to a ceiling measured minutes apart says little.
			cpu0 := processCPU(b)
			emitMetric(b, "verify ceiling beside", name, verifyRate(b, fleet[:500], 5000), "reports/s")
			cpu1 := processCPU(b)
			lat, wall := e.load(b, fleet, bodies, fleetClients, 0)
			cpu2 := processCPU(b)
			emitMetric(b, "attest reports/s", name, float64(len(lat))/wall.Seconds(), "reports/s")
			emitMetric(b, "verify per CPU-second", name, 5000/(cpu1-cpu0).Seconds(), "reports/CPU-s")
			emitMetric(b, "attest per CPU-second", name, float64(len(lat))/(cpu2-cpu1).Seconds(), "reports/CPU-s")
			emitMetric(b, "attest p50 (saturated)", name, percentile(lat, 50), "ms")
			emitMetric(b, "attest p99 (saturated)", name, percentile(lat, 99), "ms")
			lat, wall = e.load(b, fleet, e.signPass(b, fleet, 2), pacedClients, fleetPace)
			paced := fmt.Sprintf("paced at %d/s", fleetPace)
			emitMetric(b, "attest p50 "+paced, name, percentile(lat, 50), "ms")
			emitMetric(b, "attest p99 "+paced, name, percentile(lat, 99), "ms")
			emitMetric(b, "attest served "+paced, name, float64(len(lat))/wall.Seconds(), "reports/s")
		})
	}
}

// BenchmarkVerifyCeiling: the bare signature-verification loop on every
// core the process may use, over the same kind of envelopes: the most
// reports/s any server on this machine could verify.
func BenchmarkVerifyCeiling(b *testing.B) {
	rate := verifyRate(b, fleetKeys(b)[:1000], 20000)
	emitMetric(b, "verify ceiling", fmt.Sprintf("%d cores", runtime.GOMAXPROCS(0)), rate, "reports/s")
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
		envs[i], _ = attest.Sign(ctx, f.key, report(f.id, 1), "nonce")
		vs[i], _ = attest.ParsePublicKey(f.key.PublicDER())
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
