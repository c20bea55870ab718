package guest

import (
	"syscall"
	"testing"
	"time"
)

func TestAfterExit(t *testing.T) {
	now := time.Unix(1000, 0)
	ago := func(s ...int) []time.Time {
		var out []time.Time
		for _, n := range s {
			out = append(out, now.Add(-time.Duration(n)*time.Second))
		}
		return out
	}
	always := Unit{Name: "a", Restart: RestartAlways}
	never := Unit{Name: "n", Restart: RestartNo}
	exit := func(code int) exitInfo { return exitInfo{status: syscall.WaitStatus(code << 8)} }
	killed := exitInfo{status: syscall.WaitStatus(syscall.SIGKILL)}
	tests := []struct {
		name   string
		u      Unit
		e      exitInfo
		starts []time.Time
		want   state
	}{
		{"always, killed", always, killed, ago(10), stWaiting},
		{"always, clean exit", always, exit(0), ago(10), stWaiting},
		{"always, watchdog", always, exitInfo{status: syscall.WaitStatus(syscall.SIGABRT), reason: "watchdog timeout"}, ago(10), stWaiting},
		{"always, 4 starts in 30s", always, exit(1), ago(1, 2, 3, 4), stWaiting},
		{"always, 5 starts in 30s", always, exit(1), ago(1, 2, 3, 4, 5), stFailed},
		{"always, 5 starts but old", always, exit(1), ago(1, 2, 40, 50, 60), stWaiting},
		{"always, prevented code", Unit{Restart: RestartAlways, RestartPrevent: []int{75}}, exit(75), ago(1), stDone},
		{"always, other code", Unit{Restart: RestartAlways, RestartPrevent: []int{75}}, exit(1), ago(1), stWaiting},
		{"always, prevented code after watchdog", Unit{Restart: RestartAlways, RestartPrevent: []int{75}},
			exitInfo{status: syscall.WaitStatus(75 << 8), reason: "watchdog timeout"}, ago(1), stWaiting},
		{"no, clean exit", never, exit(0), ago(1), stDone},
		{"no, failure", never, exit(3), ago(1), stFailed},
		{"no, killed", never, killed, ago(1), stFailed},
		{"no, clean exit after our kill", never, exitInfo{status: 0, reason: "watchdog timeout"}, ago(1), stFailed},
	}
	for _, tt := range tests {
		d := afterExit(tt.u, tt.e, tt.starts, now)
		if d.state != tt.want {
			t.Errorf("%s: state %v (%s), want %v", tt.name, d.state, d.reason, tt.want)
		}
		if d.state == stWaiting && !d.at.Equal(now.Add(restartDelay)) {
			t.Errorf("%s: restart at %v, want after %v", tt.name, d.at, restartDelay)
		}
	}
}
