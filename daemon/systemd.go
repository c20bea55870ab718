package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notifier tells systemd about moatd's state; outside systemd it does nothing.
type notifier struct {
	log *slog.Logger
}

func (n notifier) send(state string) {
	ok, err := daemon.SdNotify(false, state)
	if err != nil {
		n.log.Warn("systemd notify failed", "state", state, "err", err)
	} else if ok {
		n.log.Debug("systemd notified", "state", state)
	}
}

// Ready says every hook is attached and every listener serves.
func (n notifier) Ready() { n.send(daemon.SdNotifyReady) }

// Stopping says moatd is going down, leaving enforcement pinned.
func (n notifier) Stopping() { n.send(daemon.SdNotifyStopping) }

// Reloading and Reloaded bracket a SIGHUP reload.
func (n notifier) Reloading() { n.send(daemon.SdNotifyReloading) }

// Status sets the one-line status that systemctl status shows.
func (n notifier) Status(s string) { n.send("STATUS=" + s) }

// Watchdog pings systemd at half of WatchdogSec until ctx ends. healthy is
// asked before each ping, so that a wedged daemon stops pinging and is
// restarted.
func (n notifier) Watchdog(ctx context.Context, healthy func() bool) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval == 0 {
		return
	}
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if healthy() {
				n.send(daemon.SdNotifyWatchdog)
			}
		}
	}
}
