package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/moat-sh/moat/bench/sample"
)

// config names the configuration in the result lines.
var config = "moatd, 20 containers"

// settings are the run's sizes.
type settings struct {
	containers     int
	settle, window time.Duration
}

func settingsFromEnv() settings {
	s := settings{containers: 20, settle: 20 * time.Second, window: 60 * time.Second}
	if n, err := strconv.Atoi(os.Getenv("MOAT_FOOTPRINT_CONTAINERS")); err == nil && n > 0 {
		s.containers = n
	}
	if d, err := time.ParseDuration(os.Getenv("MOAT_FOOTPRINT_SETTLE")); err == nil {
		s.settle = d
	}
	if d, err := time.ParseDuration(os.Getenv("MOAT_FOOTPRINT_WINDOW")); err == nil && d > 0 {
		s.window = d
	}
	return s
}

type sayFunc func(format string, args ...any)

// run starts the containers, waits and measures.
func run(s settings, say sayFunc) error {
	config = fmt.Sprintf("moatd, %d containers", s.containers)
	pid, err := moatdPID()
	if err != nil {
		return err
	}
	before, err := cpuUsec()
	if err != nil {
		return err
	}
	t := time.Now()
	say("starting %d busybox containers (ctr run -d, through moat-runtime's admission)", s.containers)
	if err := startContainers(s.containers); err != nil {
		return err
	}
	say("%d containers running after %s", s.containers, time.Since(t).Round(100*time.Millisecond))
	if after, err := cpuUsec(); err == nil {
		emit("moatd CPU starting the containers", float64(after-before)/1e3, "ms")
	}
	say("settling for %s", s.settle)
	time.Sleep(s.settle)
	return measure(pid, s, say)
}

// measure samples moatd through the idle window.
func measure(pid int, s settings, say sayFunc) error {
	say("moatd is pid %d; idle window of %s", pid, s.window)
	errs := []error{memory(pid), idleCPU(pid, s.window, say)}
	if err := checkAlive(pid, s.containers); err != nil {
		errs = append(errs, err)
	}
	say("moatd's log, last lines:\n%s", logTail(40))
	return errors.Join(errs...)
}

func emit(what string, v float64, unit string) {
	sample.Emit(os.Stdout, "metric", sample.Metric{What: what, Config: config, Value: v, Unit: unit})
}

// checkAlive: the figures count only if moatd stayed the same process
// and every container still runs.
func checkAlive(pid, containers int) error {
	now, err := moatdPID()
	if err != nil {
		return err
	}
	if now != pid {
		return fmt.Errorf("moatd was pid %d, now %d: it restarted during the window", pid, now)
	}
	if n := running(); n != containers {
		return fmt.Errorf("%d of %d containers running at the end", n, containers)
	}
	return nil
}

// logTail is the end of moatd's unit log, for the pass's log.
func logTail(n int) string {
	b, err := os.ReadFile("/var/log/units/moatd.log")
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
