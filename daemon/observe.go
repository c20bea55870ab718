package daemon

import (
	"context"
	"errors"
	"os"

	"github.com/moat-sh/moat/bpf"
	"github.com/moat-sh/moat/daemon/status"
)

func (d *Daemon) startObservability(context.Context) error {
	d.feed = status.NewBroadcaster()
	out := d.opts.AuditOut
	if out == nil {
		out = os.Stdout
	}
	d.audit = newAuditLog(out, d.cfg.Load().Audit, d.feed)
	d.onClose(d.audit.Close)
	d.m = newMetrics(d.droppedEvents, d.lifetimeFigures)
	d.m.setModes(d.cfg.Load().Modes())
	return nil
}

func (d *Daemon) droppedEvents() float64 {
	if d.enforcer() == nil {
		return 0
	}
	drops, err := d.enforcer().Drops()
	if err != nil {
		return 0
	}
	return float64(drops.RateLimited + drops.RingFull + d.feed.Dropped())
}

// pumpEvents moves audit events from the ring buffer to the audit log
// until the reader is closed.
func (d *Daemon) pumpEvents(r *bpf.Reader) {
	defer d.wg.Done()
	for {
		ev, err := r.Read()
		if errors.Is(err, bpf.ErrClosed) {
			return
		}
		if err != nil {
			d.log.Warn("read audit event", "err", err)
			continue
		}
		rec := d.record(ev)
		if rec.Verdict == "denied" {
			d.m.denials.WithLabelValues(rec.Rule).Inc()
		}
		if err := d.audit.Write(rec); err != nil {
			d.log.Warn("write audit event", "err", err)
		}
	}
}
