package attest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

func (r *Reporter) sendLoop(ctx context.Context) {
	attempt := 0
	for {
		if r.spool.Len() == 0 {
			attempt = 0
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			}
		}
		if err := r.sendOnce(ctx); err != nil {
			r.m.sendFailures.Inc()
			r.cfg.Log.Warn("attestation send failed", "pending", r.spool.Len(), "attempt", attempt, "err", err)
			if !sleep(ctx, r.backoff(attempt)) {
				return
			}
			attempt++
			continue
		}
		attempt = 0
	}
}

// backoff doubles from MinBackoff up to MaxBackoff, with equal jitter.
func (r *Reporter) backoff(attempt int) time.Duration {
	d := r.cfg.MaxBackoff
	if attempt < 30 {
		d = min(r.cfg.MaxBackoff, r.cfg.MinBackoff<<attempt)
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// LastDelivered is when the server last acknowledged a report; zero if
// never since this Reporter was made.
func (r *Reporter) LastDelivered() time.Time {
	if ns := r.delivered.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Flush sends until the spool is empty or ctx ends, for a last report
// before the instance stops. It must not run beside Run.
func (r *Reporter) Flush(ctx context.Context) error {
	for attempt := 0; r.spool.Len() > 0; attempt++ {
		if err := r.sendOnce(ctx); err == nil {
			attempt = -1
			continue
		} else if !sleep(ctx, r.backoff(attempt)) {
			return fmt.Errorf("flush: %d reports unsent: %w", r.spool.Len(), err)
		}
	}
	return nil
}

// sendOnce sends the oldest batch under a fresh nonce. A nil error with
// reports left means: go on at once.
func (r *Reporter) sendOnce(ctx context.Context) error {
	batch, err := r.spool.Peek(r.limit)
	if err != nil || len(batch) == 0 {
		return err
	}
	n, err := r.client.nonce(ctx, r.cfg.InstanceID)
	if err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	if n.Drain && r.cfg.OnDrain != nil {
		r.cfg.OnDrain(n.DrainReason, n.Reasons)
	}
	if n.SendPackages && r.cfg.Packages != nil && r.pkgSeq < batch[0].Sequence {
		// One report with the list, sent after this batch.
		if seq, err := r.Report(ctx, TriggerPackages); err == nil {
			r.pkgSeq = seq
		} else {
			r.cfg.Log.Error("package list report failed", "err", err)
		}
	}
	envs := make([]*dsse.Envelope, len(batch))
	for i, rep := range batch {
		if envs[i], err = Sign(ctx, r.key, rep, n.Nonce); err != nil {
			return err
		}
	}
	if _, err := r.client.submit(ctx, r.cfg.InstanceID, envs); err != nil {
		return r.refused(err, batch)
	}
	if err := r.spool.Ack(batch[len(batch)-1].Sequence); err != nil {
		return err
	}
	r.m.sent.Add(float64(len(batch)))
	r.delivered.Store(time.Now().UnixNano())
	r.limit = r.cfg.BatchSize
	r.spoolLevel()
	return nil
}
