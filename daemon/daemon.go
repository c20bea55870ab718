package daemon

import (
	"context"
	"crypto/fips140"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	containerd "github.com/containerd/containerd/v2/client"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/bpf"
	"github.com/moat-sh/moat/containerd/backend"
	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/containerd/watch"
	"github.com/moat-sh/moat/daemon/lifecycle"
	"github.com/moat-sh/moat/daemon/status"
	"github.com/moat-sh/moat/policy/selinux"
)

// Daemon is one running moatd.
type Daemon struct {
	opts Options
	log  *slog.Logger
	cfg  atomic.Pointer[Config]
	sd   notifier

	m      *metrics
	feed   *status.Broadcaster
	audit  *auditLog
	kernel KernelState

	enf      atomic.Pointer[bpf.Enforcer] // nil when every BPF family is off
	readerMu sync.Mutex
	reader   *bpf.Reader
	sel      selinuxState
	mcs      *selinux.Allocator
	state    *placement.State
	backend  *backend.Backend
	watcher  *watch.Watcher
	ctr      *containerd.Client

	id    string // the instance id, in reports and status
	inst  lifecycle.Instance
	sched *lifecycle.Scheduler
	key   *attest.Key
	rep   *attest.Reporter

	admit      *admission
	gate       *bpfGate
	reportedMu sync.Mutex
	reported   map[string]uint64 // denials already reported, by family
	reconciled atomic.Bool
	reloadMu   sync.Mutex
	drain      drainState
	end        chan error // the end action, once drained or terminated
	servers    []*http.Server
	wg         sync.WaitGroup
	closers    []func() error
}

// step is one stage of start-up, in order.
type step struct {
	name string
	run  func(ctx context.Context) error
}

// Run starts moatd, serves until ctx ends or the instance's end action
// fires, and stops leaving enforcement pinned.
func Run(ctx context.Context, opts Options) error {
	cfg, err := LoadConfig(opts.ConfigPath)
	if err != nil {
		return errors.Join(errConfig, err)
	}
	if cfg.FIPS && !fips140.Enabled() {
		return errors.Join(errConfig, errors.New("fips: true, but Go's FIPS 140-3 module is off: start moatd with GODEBUG=fips140=on"))
	}
	d := &Daemon{opts: opts, log: opts.Log, sd: notifier{log: opts.Log}, end: make(chan error, 1)}
	d.cfg.Store(cfg)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := d.start(ctx); err != nil {
		d.sd.Status("start-up failed: " + err.Error())
		cancel()
		return errors.Join(err, d.stop())
	}
	d.sd.Ready()
	d.sd.Status("enforcing; " + d.summary())
	d.log.Info("moatd ready", "version", Version, "families", cfg.Modes(), "selinux", d.sel.mode)
	// The start-up heap (the kernel's BTF, the programs' ELF) is garbage
	// now: give it back to the kernel at once, not at the runtime's first
	// forced collection minutes into idling.
	debug.FreeOSMemory()
	go d.sd.Watchdog(ctx, d.healthy)
	err = d.serve(ctx)
	d.sd.Stopping()
	cancel()
	return errors.Join(err, d.stop())
}

func (d *Daemon) start(ctx context.Context) error {
	steps := []step{
		{"observability", d.startObservability},
		{"kernel", d.checkKernel},
		{"state", d.openState},
		{"bpf", d.startBPF},
		{"selinux", d.startSELinux},
		{"local api", d.serveLocalAPI},
		{"containerd", d.startContainerd},
		{"reporter", d.startReporter},
		{"lifecycle", d.startLifecycle},
		{"status", d.serveStatus},
		{"metrics", d.serveMetrics},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("start %s: %w", s.name, err)
		}
		d.log.Info("started", "step", s.name, "took", time.Since(t).Round(time.Millisecond).String())
	}
	return nil
}

// serve waits for the end: SIGTERM (ctx), the end action, or a fatal
// error; SIGHUP reloads the configuration.
func (d *Daemon) serve(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-d.end:
			return err
		case <-hup:
			d.reload(ctx)
		}
	}
}

// stop closes listeners and connections (the event reader among them, so
// that its pump ends), then waits for the background work; the BPF links
// stay pinned. The run's context is cancelled by then.
func (d *Daemon) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, s := range d.servers {
		errs = append(errs, s.Shutdown(ctx))
	}
	for i := len(d.closers) - 1; i >= 0; i-- {
		errs = append(errs, d.closers[i]())
	}
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, errors.New("stop: background work still running after 10s"))
	}
	return errors.Join(errs...)
}

func (d *Daemon) onClose(f func() error) { d.closers = append(d.closers, f) }

// healthy is asked before each watchdog ping.
func (d *Daemon) healthy() bool { return true }

func (d *Daemon) summary() string {
	c := d.cfg.Load()
	return fmt.Sprintf("root=%s exec=%s caps=%s tamper=%s selinux=%s", c.Enforcement.Root.Mode,
		c.Enforcement.Exec.Mode, c.Enforcement.Caps.Mode, c.Enforcement.Tamper.Mode, d.sel.mode)
}
