package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/moat-sh/moat/attest"
)

// status asks the attestation server (through the guest forward) how it
// sees this instance.
func (d *demo) status() (attest.InstanceStatus, error) {
	var st attest.InstanceStatus
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", d.attest+"/v1/instances/"+d.instance, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var ref attest.Refusal
		json.NewDecoder(resp.Body).Decode(&ref)
		return st, fmt.Errorf("%s: %s %s", resp.Status, ref.Code, ref.Error)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// waitStatus polls the server until ok holds: for the timeout while the
// instance has no report there, for 15 s more at most once it has one.
func (d *demo) waitStatus(timeout time.Duration, ok func(attest.InstanceStatus) bool) (attest.InstanceStatus, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	reported := false
	for {
		st, err := d.status()
		if err == nil && ok(st) {
			return st, nil
		}
		if err == nil && st.Latest != nil && !reported {
			reported = true
			if soon := time.Now().Add(15 * time.Second); soon.Before(deadline) {
				deadline = soon
			}
		}
		if time.Now().After(deadline) {
			if err != nil {
				return st, err
			}
			return st, fmt.Errorf("not so after %s: %s", time.Since(start).Round(time.Second), describe(st))
		}
		time.Sleep(time.Second)
	}
}

func (d *demo) attestation() (string, error) {
	d.say("GET %s/v1/instances/%s", d.attest, d.instance)
	st, err := d.waitStatus(60*time.Second, func(st attest.InstanceStatus) bool {
		return st.Latest != nil && st.Compliance.State == attest.Compliant
	})
	if err != nil {
		return "", fmt.Errorf("the server does not list %s as compliant: %w", d.instance, err)
	}
	lt := st.Latest.Claims.Lifetime
	if lt.DrainBy.IsZero() || lt.TerminateBy.IsZero() {
		return "", fmt.Errorf("no drain-by or terminate-by: %s", describe(st))
	}
	return describe(st), nil
}

// drain moves the instance's launch 14 days minus 8 minutes back, with a
// maintenance window open now, and restarts moatd (the launch time is read
// at start): the drain is due and the window is open.
func (d *demo) drain() (string, error) {
	if s := taskStatus(webTask); s != "RUNNING" {
		return "", fmt.Errorf("%s is %q, not running: there is no task to drain", webTask, s)
	}
	now := time.Now().UTC()
	launch := now.Add(-14*24*time.Hour + 8*time.Minute)
	win := map[string]string{"start": weekTime(now.Add(-30 * time.Minute)), "end": weekTime(now.Add(90 * time.Minute))}
	d.say("lifecycle.launchTime: %s (drain-by in 8 minutes), maintenance window %s - %s; restart moatd", launch.Format(time.RFC3339), win["start"], win["end"])
	if err := writeConfig(func(c map[string]any) {
		lc := section(c, "lifecycle")
		lc["launchTime"] = launch.Format(time.RFC3339)
		lc["maintenanceWindows"] = []map[string]string{win}
	}); err != nil {
		return "", err
	}
	log := markOf(moatdLog)
	if _, err := ctl("stop", "moatd"); err != nil {
		return "", err
	}
	if _, err := ctl("start", "moatd"); err != nil {
		return "", err
	}
	return d.watchDrain(log)
}

// watchDrain waits for moatd's drain and web-1's stop, then for the server
// to show the instance draining.
func (d *demo) watchDrain(log mark) (string, error) {
	const stopTimeout = 15 * time.Second
	var drainAt, stopAt time.Time
	deadline := time.Now().Add(2 * time.Minute)
	for stopAt.IsZero() && time.Now().Before(deadline) {
		if drainAt.IsZero() && strings.Contains(strings.Join(log.lines(), "\n"), `"msg":"draining"`) {
			drainAt = time.Now()
			d.say("moatd: draining")
		}
		if s := taskStatus(webTask); s != "RUNNING" && !drainAt.IsZero() {
			stopAt = time.Now()
			d.say("%s is %q", webTask, s)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if drainAt.IsZero() {
		return "", fmt.Errorf("moatd did not drain within 2 minutes of its restart (see %s)", moatdLog)
	}
	if stopAt.IsZero() {
		return "", fmt.Errorf("moatd drains, but %s still runs", webTask)
	}
	logText, _ := os.ReadFile(webLog)
	took := stopAt.Sub(drainAt)
	if !strings.Contains(string(logText), "got SIGTERM") {
		return "", fmt.Errorf("%s stopped after %s without saying it got SIGTERM (log %q)", webTask, took.Round(100*time.Millisecond), logText)
	}
	if took > stopTimeout {
		return "", fmt.Errorf("%s stopped %s after the drain began, more than its stop timeout %s", webTask, took.Round(100*time.Millisecond), stopTimeout)
	}
	st, err := d.waitStatus(30*time.Second, func(st attest.InstanceStatus) bool {
		return st.Latest != nil && st.Latest.Claims.Lifetime.Draining
	})
	if err != nil {
		return "", fmt.Errorf("%s got SIGTERM and stopped in %s, but the server does not show the instance draining: %w", webTask, took.Round(100*time.Millisecond), err)
	}
	state, _ := unitState("moatd")
	return fmt.Sprintf("%s got SIGTERM and stopped %s after the drain began (stop timeout %s); server: %s; moatd unit %s",
		webTask, took.Round(100*time.Millisecond), stopTimeout, describe(st), state), nil
}

// weekTime is a weekly window's time, like "sat 09:30" (UTC).
func weekTime(t time.Time) string { return strings.ToLower(t.Format("Mon 15:04")) }

// describe is one line about the instance as the server sees it.
func describe(st attest.InstanceStatus) string {
	s := fmt.Sprintf("%s %s", st.InstanceID, st.Compliance.State)
	if len(st.Compliance.Reasons) > 0 {
		s += " (" + strings.Join(st.Compliance.Reasons, "; ") + ")"
	}
	if st.Latest != nil {
		lt := st.Latest.Claims.Lifetime
		f := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
		s += fmt.Sprintf(", report %d, drain-by %s, terminate-by %s, draining %v", st.LastSequence, f(lt.DrainBy), f(lt.TerminateBy), lt.Draining)
		if lt.DrainReason != "" {
			s += " (" + lt.DrainReason + ")"
		}
	}
	return s
}
