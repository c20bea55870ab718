package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/moat-sh/moat/daemon/status"
)

// listenUnix listens on a unix socket only root may use, replacing a
// stale socket left by a crashed moatd.
func listenUnix(path string, perm os.FileMode) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("%s: another moatd serves it", path)
	}
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, perm); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// serveHTTP serves h on l until stop.
func (d *Daemon) serveHTTP(name string, l net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	d.servers = append(d.servers, srv)
	d.goRun(func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("listener stopped", "listener", name, "err", err)
		}
	})
}

func (d *Daemon) serveStatus(context.Context) error {
	l, err := listenUnix(d.cfg.Load().API.StatusSocket, 0o600)
	if err != nil {
		return err
	}
	d.serveHTTP("status", l, status.Handler(d, d.feed))
	return nil
}

func (d *Daemon) serveMetrics(context.Context) error {
	addr := d.cfg.Load().Metrics.Address
	if addr == "" {
		return nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics.address %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(d.m.reg, promhttp.HandlerOpts{}))
	d.serveHTTP("metrics", l, mux)
	return nil
}

// Status is the operators' snapshot (the status socket's source).
func (d *Daemon) Status(context.Context) status.Status {
	cfg := d.cfg.Load()
	s := status.Status{
		Version: Version, InstanceID: d.id, Provider: cfg.CapacityProvider.Name,
		Placement:   string(cfg.CapacityProvider.TaskPlacement),
		SELinux:     status.SELinux{Mode: d.sel.mode, PolicySHA256: d.sel.sha256},
		Tasks:       d.tasks(),
		GeneratedAt: time.Now().UTC(),
	}
	for _, name := range []string{"root", "exec", "caps", "tamper"} {
		s.Families = append(s.Families, status.Family{Name: name, Mode: cfg.Modes()[name], Denials: d.audit.Denials(name)})
	}
	if d.sched != nil {
		s.Lifetime = d.lifetimeStatus()
	}
	s.Reporting = d.reportingStatus(cfg)
	return s
}

func (d *Daemon) lifetimeStatus() status.Lifetime {
	p := d.sched.Plan()
	draining, reason := d.drain.get()
	l := status.Lifetime{LaunchTime: d.inst.Launch, DrainBy: p.DrainBy, TerminateBy: p.TerminateAt, Draining: draining, DrainReason: reason}
	if !p.NextWindow.IsZero() {
		l.NextWindow = &status.Window{Start: p.NextWindow.Start, End: p.NextWindow.End}
	}
	if !draining {
		at := p.DrainAt
		l.DrainAt, l.DrainReason = &at, string(p.DrainReason)
	}
	return l
}

func (d *Daemon) reportingStatus(cfg *Config) status.Reporting {
	r := status.Reporting{Endpoint: cfg.Attestation.Endpoint}
	if d.rep != nil {
		r.SpoolDepth = d.rep.Pending()
		r.LastDelivered = d.rep.LastDelivered()
	}
	return r
}
