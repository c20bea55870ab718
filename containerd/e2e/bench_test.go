package e2e

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/moat-sh/moat/bench/sample"
	"github.com/moat-sh/moat/containerd/backend"
	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/containerd/watch"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/policy"
)

// benchRounds is how many create+start+delete pairs make bench times:
// one ctr run takes 0.7 to 1.5 times the next on these machines, and
// the median of 50 rounds' ratios moved by about 2.5% from one run to
// the next (0.992 to 1.050 over ten runs of the same build), as much as
// half the target's margin; 150 take under a minute.
const benchRounds = 150

// BenchmarkCreateStartDelete: one container created, started, waited for
// and deleted by ctr (ctr run --rm, /bin/true) through moat's runtime
// (the moat-runc front, which asks moatd), then the same with containerd's shim
// calling Debian's runc directly (--runc-binary), interleaved over
// benchRounds rounds. Each run prints a sample line for make bench.
func BenchmarkCreateStartDelete(b *testing.B) {
	startMoatdB(b, policy.Settings{Name: "bench"})
	runs := map[string][]string{
		"moat": nil,
		"runc": {"--runc-binary", realRunc},
	}
	for _, cfg := range []string{"moat", "runc"} { // warm both paths
		benchRun(b, runs[cfg])
	}
	order := []string{"runc", "moat"}
	for round := range benchRounds {
		slices.Reverse(order) // A B B A A B ...: neither always runs first
		for _, cfg := range order {
			d := benchRun(b, runs[cfg])
			s := sample.Sample{Op: "create+start+delete", Config: cfg, Round: round, Value: float64(d.Nanoseconds()), Unit: "ns"}
			if err := sample.Emit(os.Stdout, "sample", s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchRun(b *testing.B, flags []string) time.Duration {
	name := id("bench")
	args := append([]string{"run", "--rm", "--seccomp"}, flags...)
	args = append(args, busyboxImage, name, "/bin/true")
	t0 := time.Now()
	out, err := e.ctr("default", args...)
	d := time.Since(t0)
	if err != nil {
		ctrRemove(name)
		b.Fatalf("ctr run: %v\n%s", err, out)
	}
	return d
}

// startMoatdB serves the local API over the real admission decision, as
// startMoatd does, but does not run the watcher's event loop: it would
// kill the baseline's containers, which bypass the wrapper by design.
// The watcher still answers the backend's label look-ups.
func startMoatdB(b *testing.B, s policy.Settings) {
	if err := s.Validate(); err != nil {
		b.Fatalf("settings: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	state := placement.New()
	be := &backend.Backend{Settings: &s, State: state, TaskKey: TaskKey, Log: log, Gate: newGate(),
		Host: &policy.Host{ContainerdRoot: e.root, ContainerdState: e.state, Protected: []string{"/var/lib/moat", "/run/moat", "/etc/moat"}}}
	w, err := watch.New(e.address, state, localapi.NewClient(e.moatd), be.TaskOf, log)
	if err != nil {
		b.Fatal(err)
	}
	be.ContainerLabels = w.Labels
	os.Remove(e.moatd)
	l, err := net.Listen("unix", e.moatd)
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: localapi.Handler(be, backend.Runtime{Admission: be})}
	go srv.Serve(l)
	b.Cleanup(func() { w.Close(); srv.Close(); os.Remove(e.moatd) })
}
