package guest

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Options are moat-supervise's flags.
type Options struct {
	Units    string // the unit file
	Scenario string // the Scenario JSON; "" runs the units for ever
	Output   string // the host's serial port
	RunDir   string // notify sockets
	LogDir   string // one log file per unit
}

// stopTimeout bounds the shutdown after the scenario.
const stopTimeout = 10 * time.Second

// loop is the supervisor's one goroutine that owns the state machine.
type loop struct {
	o        Options
	sup      *Supervisor
	log      *slog.Logger
	out      *os.File
	exits    chan exitMsg
	notifies chan notifyMsg
	controls chan ctlReq
	scenPID  int
}

// Supervise runs the units and the scenario and returns the scenario's
// exit code once the units are stopped (PID 1 then powers off).
func Supervise(o Options, out *os.File, console *lockedWriter) int {
	log := slog.New(slog.NewTextHandler(console, nil)).With("from", "moat-supervise")
	l := &loop{o: o, log: log, out: out, exits: make(chan exitMsg, 64), notifies: make(chan notifyMsg, 64),
		controls: make(chan ctlReq)}
	fmt.Fprintf(out, "%srelease=%s lsm=%s\n", MarkBoot, readTrim("/proc/sys/kernel/osrelease"), readTrim("/sys/kernel/security/lsm"))
	units, err := LoadUnits(o.Units)
	if err != nil {
		fail(out, "%v", err)
		return ExitUnitsFailed
	}
	r := &procRunner{runDir: o.RunDir, logDir: o.LogDir, console: console, log: log}
	if err := os.MkdirAll(o.LogDir, 0o750); err != nil {
		log.Warn("unit log folder", "err", err)
	}
	if err := r.listenNotify(units, l.notifies); err != nil {
		fail(out, "%v", err)
		return ExitUnitsFailed
	}
	if err := listenControl(o.RunDir, l.controls); err != nil {
		fail(out, "%v", err)
		return ExitUnitsFailed
	}
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	go reap(sigchld, l.exits)
	l.sup = NewSupervisor(units, r, log)
	l.sup.OnState = func(unit, state string) {
		if l.scenPID == 0 { // after that, ttyS1 is the scenario's
			fmt.Fprintf(out, "%s%s %s\n", MarkUnit, unit, state)
		}
	}
	code := l.run()
	l.stop()
	return code
}

// run drives the units until the scenario ends (or for ever without one).
func (l *loop) run() int {
	started := false
	for {
		now := time.Now()
		next := l.sup.Step(now)
		if !started {
			if failed := l.sup.Failed(); len(failed) > 0 {
				fail(l.out, "units failed before the scenario: %s (see their lines on the console)", strings.Join(failed, ", "))
				return ExitUnitsFailed
			}
			if l.sup.Ready() {
				started = true
				if code, ok := l.startScenario(); !ok {
					return code
				}
			}
		}
		if code, done := l.wait(next); done {
			return code
		}
	}
}

func (l *loop) startScenario() (int, bool) {
	if l.o.Scenario == "" {
		l.log.Info("units ready, no scenario")
		return 0, true
	}
	s, err := readScenario(l.o.Scenario)
	if err != nil {
		fail(l.out, "scenario: %v", err)
		return ExitNoScenario, false
	}
	fmt.Fprintf(l.out, "%sunits=%d\n", MarkReady, len(l.sup.units))
	pid, err := startScenario(s, filepath.Dir(l.o.Scenario), l.out)
	if err != nil {
		fail(l.out, "%v", err)
		return ExitScenarioRun, false
	}
	l.log.Info("scenario started", "pid", pid, "argv", strings.Join(s.Argv, " "))
	l.scenPID = pid
	return 0, true
}

// wait handles one event, or returns at next; done when the scenario ended.
func (l *loop) wait(next time.Time) (int, bool) {
	var timer <-chan time.Time
	if !next.IsZero() {
		timer = time.After(time.Until(next))
	}
	select {
	case e := <-l.exits:
		if l.scenPID != 0 && e.pid == l.scenPID {
			l.log.Info("scenario ended", "code", exitCode(e.ws))
			return exitCode(e.ws), true
		}
		l.sup.Exited(e.pid, e.ws, time.Now())
	case n := <-l.notifies:
		l.notified(n)
	case c := <-l.controls:
		l.log.Info("control request", "request", c.line)
		c.reply <- l.sup.control(c.line, time.Now())
	case <-timer:
	}
	return 0, false
}

func (l *loop) notified(m notifyMsg) {
	n, err := ParseNotify(m.data)
	if err != nil {
		l.log.Warn("bad notify message", "unit", m.unit, "err", err)
	}
	l.sup.Notified(m.unit, n, time.Now())
}

// stop terminates the units and waits for them within stopTimeout.
func (l *loop) stop() {
	l.sup.Stop(time.Now())
	end := time.Now().Add(stopTimeout)
	for l.sup.Running() > 0 && time.Now().Before(end) {
		next := l.sup.Step(time.Now())
		if next.IsZero() || next.After(end) {
			next = end
		}
		select {
		case e := <-l.exits:
			l.sup.Exited(e.pid, e.ws, time.Now())
		case <-l.notifies:
		case c := <-l.controls:
			c.reply <- "error: shutting down\n"
		case <-time.After(time.Until(next)):
		}
	}
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}
