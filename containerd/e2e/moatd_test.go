package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/containerd/backend"
	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/containerd/watch"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/policy"
)

// TaskKey is the annotation that names the task of a ctr container.
const TaskKey = "moat.sh/task"

// moatd is the local API server over the real admission decision, with
// the containerd watcher, as moatd runs them.
type moatd struct {
	backend *backend.Backend
	gate    *gate
	watcher *watch.Watcher
	srv     *http.Server
	cancel  context.CancelFunc
	done    chan struct{}
}

func settings(t *testing.T, s policy.Settings) *policy.Settings {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatalf("settings: %v", err)
	}
	return &s
}

// current is the moatd serving now: there is one at a time, as on an
// instance (two watchers would each kill what the other registered).
var current *moatd

// startMoatd serves the local API on the socket containerd's environment
// names, with an empty placement state rebuilt by the watcher's Reconcile.
// It stops the moatd serving before.
func startMoatd(t *testing.T, s policy.Settings) *moatd {
	t.Helper()
	return startMoatdLabels(t, s, nil)
}

// startMoatdLabels is startMoatd with the SELinux labels of each task.
func startMoatdLabels(t *testing.T, s policy.Settings, labels func(string) (policy.SELinuxLabels, error)) *moatd {
	t.Helper()
	if current != nil {
		current.stop()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MOAT_E2E_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	state := placement.New()
	g := newGate()
	b := &backend.Backend{Settings: settings(t, s), State: state, TaskKey: TaskKey, Log: log, Gate: g, Labels: labels,
		Host: &policy.Host{ContainerdRoot: e.root, ContainerdState: e.state, Protected: []string{"/var/lib/moat", "/run/moat", "/etc/moat"}}}
	w, err := watch.New(e.address, state, localapi.NewClient(e.moatd), b.TaskOf, log)
	if err != nil {
		t.Fatal(err)
	}
	b.ContainerLabels = w.Labels
	ctx, cancel := context.WithCancel(context.Background())
	if err := w.Reconcile(ctx); err != nil { // before serving, as moatd does
		cancel()
		t.Fatalf("reconcile: %v", err)
	}
	os.Remove(e.moatd)
	l, err := net.Listen("unix", e.moatd)
	if err != nil {
		t.Fatal(err)
	}
	m := &moatd{backend: b, gate: g, watcher: w, srv: &http.Server{Handler: localapi.Handler(b, backend.Runtime{Admission: b})}, done: make(chan struct{})}
	go m.srv.Serve(l)
	m.cancel = cancel
	go func() { m.watcher.Run(ctx); close(m.done) }()
	t.Cleanup(m.stop)
	current = m
	return m
}

// stop is moatd going away: the socket disappears.
func (m *moatd) stop() {
	if m.cancel == nil {
		return
	}
	m.cancel()
	<-m.done
	m.watcher.Close()
	m.srv.Close()
	os.Remove(e.moatd)
	m.cancel = nil
}

// live waits until the placement state holds want live containers of task.
func (m *moatd) waitLive(t *testing.T, task string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := m.backend.State.Live()[task]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s has %d live containers, want %d (state %v)", task, got, want, m.backend.State.Containers())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nriPlugin runs moat-nri against the suite's containerd; stop kills it.
type nriPlugin struct{ cmd *exec.Cmd }

func startNRI(t *testing.T) *nriPlugin {
	t.Helper()
	cmd := exec.Command(e.nri, "-moatd", e.moatd, "-nri", e.nriSocket)
	if os.Getenv("MOAT_E2E_LOG") != "" {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nriPlugin{cmd: cmd}
	t.Cleanup(p.stop)
	return p
}

func (p *nriPlugin) stop() {
	if p.cmd.Process == nil || p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// mustContain fails unless err's text holds every part.
func mustContain(t *testing.T, what string, err error, out string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded, want a refusal; output:\n%s", what, out)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error does not say %q:\n%v", what, p, err)
		}
	}
}
