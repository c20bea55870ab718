package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs"

	"github.com/moat-sh/moat/daemon/lifecycle"
)

// Stopped is how one container ended during a drain.
type Stopped struct {
	Namespace, ID string
	Timeout       time.Duration // its stop timeout
	Signal        string        // the signal that ended it: SIGTERM, or SIGKILL after the timeout
	After         time.Duration // from SIGTERM to exit
	Err           error
}

// Drain stops every running task through containerd, in the given
// namespaces or in all of them: SIGTERM, then SIGKILL once the
// container's stop timeout (label sh.moat.stop-timeout, else defaultStop,
// at most 120 s) has passed. It waits for every task.
func Drain(ctx context.Context, c *containerd.Client, defaultStop time.Duration, log *slog.Logger, namespaces ...string) ([]Stopped, error) {
	d := &drainer{client: c, defaultStop: defaultStop, log: log, only: namespaces}
	return d.Drain(ctx)
}

type drainer struct {
	client      *containerd.Client
	defaultStop time.Duration
	log         *slog.Logger
	only        []string
}

// Drain stops all tasks in every namespace (or d.only) and waits for them.
func (d *drainer) Drain(ctx context.Context) ([]Stopped, error) {
	nss := d.only
	if len(nss) == 0 {
		var err error
		if nss, err = d.client.NamespaceService().List(ctx); err != nil {
			return nil, fmt.Errorf("list containerd namespaces: %w", err)
		}
	}
	var (
		mu  sync.Mutex
		out []Stopped
		wg  sync.WaitGroup
	)
	for _, ns := range nss {
		nctx := namespaces.WithNamespace(ctx, ns)
		ctrs, err := d.client.Containers(nctx)
		if err != nil {
			return out, fmt.Errorf("list containers in %s: %w", ns, err)
		}
		for _, c := range ctrs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s, ok := d.stop(nctx, ns, c); ok {
					mu.Lock()
					out = append(out, s)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return out, nil
}

// stop ends one container's task; ok is false when it had none running.
func (d *drainer) stop(ctx context.Context, ns string, c containerd.Container) (Stopped, bool) {
	s := Stopped{Namespace: ns, ID: c.ID(), Timeout: d.defaultStop}
	task, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return s, false
	}
	if err != nil {
		s.Err = err
		return s, true
	}
	if st, err := task.Status(ctx); err == nil && st.Status == containerd.Stopped {
		return s, false
	}
	labels, _ := c.Labels(ctx)
	if s.Timeout, err = lifecycle.LabelStopTimeout(labels, d.defaultStop); err != nil {
		d.log.Warn("stop timeout label", "container", s.ID, "err", err, "using", s.Timeout)
	}
	exited, err := task.Wait(ctx)
	if err != nil {
		s.Err = err
		return s, true
	}
	start := time.Now()
	s.Signal = "SIGTERM"
	if err := task.Kill(ctx, syscall.SIGTERM); err != nil && !errdefs.IsNotFound(err) {
		s.Err = err
	}
	select {
	case <-exited:
	case <-time.After(s.Timeout):
		s.Signal = "SIGKILL"
		if err := task.Kill(ctx, syscall.SIGKILL); err != nil && !errdefs.IsNotFound(err) {
			s.Err = errors.Join(s.Err, err)
		}
		select {
		case <-exited:
		case <-ctx.Done():
			s.Err = errors.Join(s.Err, ctx.Err())
		}
	case <-ctx.Done():
		s.Err = ctx.Err()
	}
	s.After = time.Since(start)
	d.log.Info("drain: container stopped", "namespace", ns, "container", s.ID, "signal", s.Signal,
		"after", s.After.Round(time.Millisecond).String(), "timeout", s.Timeout.String())
	return s, true
}
