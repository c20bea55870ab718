package guest

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeRunner records starts and signals; pids count up from 100.
type fakeRunner struct {
	next    int
	started []string
	signals []string
	fail    map[string]bool
}

func (f *fakeRunner) Start(u Unit) (int, error) {
	if f.fail[u.Name] {
		return 0, errors.New("no such file")
	}
	f.next++
	f.started = append(f.started, u.Name)
	return 100 + f.next, nil
}

func (f *fakeRunner) Signal(pid int, sig syscall.Signal) error {
	f.signals = append(f.signals, fmt.Sprintf("%d:%s", pid, sig))
	return nil
}

// rig drives a supervisor with a fake clock.
type rig struct {
	t   *testing.T
	r   *fakeRunner
	s   *Supervisor
	now time.Time
}

func newRig(t *testing.T, units ...Unit) *rig {
	for i := range units {
		units[i].defaults()
	}
	r := &fakeRunner{fail: map[string]bool{}}
	g := &rig{t: t, r: r, now: time.Unix(1000, 0)}
	g.s = NewSupervisor(units, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return g
}

func (g *rig) at(d time.Duration) { g.now = g.now.Add(d); g.s.Step(g.now) }

func (g *rig) wantStarted(names ...string) {
	g.t.Helper()
	if !reflect.DeepEqual(g.r.started, names) {
		g.t.Fatalf("started %v, want %v", g.r.started, names)
	}
}

func (g *rig) exit(name string, ws syscall.WaitStatus) {
	g.t.Helper()
	if !g.s.Exited(g.s.PID(name), ws, g.now) {
		g.t.Fatalf("exit of %s not taken as a unit's", name)
	}
}

func TestReadyGatesDependents(t *testing.T) {
	g := newRig(t, Unit{Name: "moatd", Command: "/m", Type: TypeNotify},
		Unit{Name: "agent", Command: "/a", DependsOn: []string{"moatd"}})
	var states []string
	g.s.OnState = func(u, st string) { states = append(states, u+" "+st) }
	defer func() {
		if want := []string{"moatd starting", "moatd active", "agent active"}; !reflect.DeepEqual(states, want) {
			t.Errorf("states %v, want %v", states, want)
		}
	}()
	g.at(0)
	g.wantStarted("moatd")
	g.at(5 * time.Second)
	g.wantStarted("moatd")
	g.s.Notified("moatd", Notify{Status: "loading"}, g.now)
	g.at(0)
	g.wantStarted("moatd")
	g.s.Notified("moatd", Notify{Ready: true}, g.now)
	g.at(0)
	g.wantStarted("moatd", "agent")
	if !g.s.Ready() {
		t.Error("not ready with both units active")
	}
}

func TestOneshotGatesOnCleanExit(t *testing.T) {
	g := newRig(t, Unit{Name: "net", Command: "/n", Type: TypeOneshot},
		Unit{Name: "svc", Command: "/s", DependsOn: []string{"net"}})
	g.at(0)
	g.exit("net", 0)
	g.at(0)
	g.wantStarted("net", "svc")

	g = newRig(t, Unit{Name: "net", Command: "/n", Type: TypeOneshot},
		Unit{Name: "svc", Command: "/s", DependsOn: []string{"net"}})
	g.at(0)
	g.exit("net", 1<<8)
	g.at(time.Second)
	g.wantStarted("net")
	if got := g.s.Failed(); !reflect.DeepEqual(got, []string{"net"}) {
		t.Errorf("failed %v, want [net]", got)
	}
}

func TestKilledUnitRestartsAfterDelay(t *testing.T) {
	g := newRig(t, Unit{Name: "moatd", Command: "/m", Restart: RestartAlways})
	g.at(0)
	first := g.s.PID("moatd")
	g.exit("moatd", syscall.WaitStatus(syscall.SIGKILL))
	g.at(restartDelay / 2)
	g.wantStarted("moatd")
	g.at(restartDelay / 2)
	g.wantStarted("moatd", "moatd")
	if g.s.PID("moatd") == first || g.s.PID("moatd") == 0 {
		t.Errorf("pid %d after restart, want a new one (was %d)", g.s.PID("moatd"), first)
	}
}

func TestRestartStopsAtStartLimit(t *testing.T) {
	g := newRig(t, Unit{Name: "crash", Command: "/c", Restart: RestartAlways})
	for i := 0; i < startLimitBurst; i++ {
		g.at(time.Second)
		g.exit("crash", 1<<8)
	}
	g.at(time.Minute)
	if len(g.r.started) != startLimitBurst || !reflect.DeepEqual(g.s.Failed(), []string{"crash"}) {
		t.Errorf("started %d times, failed %v; want %d starts then failed", len(g.r.started), g.s.Failed(), startLimitBurst)
	}
}

func TestWatchdogKillsAndRestarts(t *testing.T) {
	g := newRig(t, Unit{Name: "moatd", Command: "/m", Type: TypeNotify, Restart: RestartAlways, Watchdog: 2})
	g.at(0)
	g.s.Notified("moatd", Notify{Ready: true}, g.now)
	pid := g.s.PID("moatd")
	for i := 0; i < 3; i++ { // pings keep it alive
		g.at(1500 * time.Millisecond)
		g.s.Notified("moatd", Notify{Watchdog: true}, g.now)
	}
	if len(g.r.signals) != 0 {
		t.Fatalf("signals %v while pinging", g.r.signals)
	}
	g.at(2 * time.Second)
	g.at(killGrace)
	want := []string{fmt.Sprintf("%d:aborted", pid), fmt.Sprintf("%d:killed", pid)}
	if !reflect.DeepEqual(g.r.signals, want) {
		t.Fatalf("signals %v, want %v", g.r.signals, want)
	}
	g.exit("moatd", syscall.WaitStatus(syscall.SIGKILL))
	g.at(restartDelay)
	g.wantStarted("moatd", "moatd")
}

func TestNotifyUnitThatNeverReadiesIsStopped(t *testing.T) {
	g := newRig(t, Unit{Name: "slow", Command: "/s", Type: TypeNotify, StartTimeout: 5})
	g.at(0)
	g.at(5 * time.Second)
	if len(g.r.signals) != 1 || g.r.signals[0] != fmt.Sprintf("%d:terminated", g.s.PID("slow")) {
		t.Fatalf("signals %v, want one SIGTERM at the start timeout", g.r.signals)
	}
	g.exit("slow", syscall.WaitStatus(syscall.SIGTERM))
	if !reflect.DeepEqual(g.s.Failed(), []string{"slow"}) {
		t.Errorf("failed %v, want [slow]", g.s.Failed())
	}
}

func TestStartFailureCountsAsExit(t *testing.T) {
	g := newRig(t, Unit{Name: "gone", Command: "/g", Restart: RestartAlways})
	g.r.fail["gone"] = true
	for i := 0; i < 10; i++ {
		g.at(time.Second)
	}
	if !reflect.DeepEqual(g.s.Failed(), []string{"gone"}) {
		t.Errorf("failed %v, want [gone] after the start limit", g.s.Failed())
	}
}

func TestStopTerminatesDependentsFirstAndRestartsNothing(t *testing.T) {
	g := newRig(t, Unit{Name: "containerd", Command: "/c", Restart: RestartAlways},
		Unit{Name: "moatd", Command: "/m", Restart: RestartAlways, DependsOn: []string{"containerd"}})
	g.at(0)
	g.at(0)
	c, m := g.s.PID("containerd"), g.s.PID("moatd")
	g.s.Stop(g.now)
	want := []string{fmt.Sprintf("%d:terminated", m), fmt.Sprintf("%d:terminated", c)}
	if !reflect.DeepEqual(g.r.signals, want) {
		t.Fatalf("signals %v, want %v", g.r.signals, want)
	}
	g.exit("moatd", syscall.WaitStatus(syscall.SIGTERM))
	g.exit("containerd", 0)
	g.at(time.Minute)
	if g.s.Running() != 0 || len(g.r.started) != 2 {
		t.Errorf("running %d, started %v after stop; want nothing restarted", g.s.Running(), g.r.started)
	}
}

func TestExitOfAnOrphanIsNotAUnits(t *testing.T) {
	g := newRig(t, Unit{Name: "a", Command: "/a"})
	g.at(0)
	if g.s.Exited(4242, 0, g.now) {
		t.Error("an unknown pid was taken as a unit's")
	}
}

func TestHoldKeepsAUnitDownUntilReleased(t *testing.T) {
	g := newRig(t, Unit{Name: "moatd", Command: "/m", Restart: RestartAlways})
	g.at(0)
	pid := g.s.PID("moatd")
	if got := g.s.control("kill moatd", g.now); got != "ok\n" {
		t.Fatalf("kill: %q", got)
	}
	if want := []string{fmt.Sprintf("%d:killed", pid)}; !reflect.DeepEqual(g.r.signals, want) {
		t.Fatalf("signals %v, want %v", g.r.signals, want)
	}
	g.exit("moatd", syscall.WaitStatus(syscall.SIGKILL))
	g.at(time.Minute)
	g.wantStarted("moatd")
	if got := g.s.control("status", g.now); got != "moatd done 0 1 true \n" {
		t.Errorf("status %q, want moatd done and held", got)
	}
	if got := g.s.control("start moatd", g.now); got != "ok\n" {
		t.Fatalf("start: %q", got)
	}
	g.at(0)
	g.wantStarted("moatd", "moatd")
}

func TestControlRefusesBadRequests(t *testing.T) {
	g := newRig(t, Unit{Name: "moatd", Command: "/m", Restart: RestartAlways})
	g.at(0)
	for _, req := range []string{"", "stop", "stop nosuch", "reboot moatd", "start moatd", "stop a b"} {
		if got := g.s.control(req, g.now); !strings.HasPrefix(got, "error: ") {
			t.Errorf("request %q: %q, want an error", req, got)
		}
	}
	if len(g.r.signals) != 0 {
		t.Errorf("signals %v after bad requests", g.r.signals)
	}
}
