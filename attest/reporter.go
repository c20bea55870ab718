package attest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Report triggers besides the interval.
const (
	TriggerStart       = "start"
	TriggerInterval    = "interval"
	TriggerDrain       = "drain"
	TriggerSettings    = "settings"
	TriggerEnforcement = "enforcement"
	TriggerPackages    = "packages" // the server asked for the package list
)

// ReporterConfig configures the instance-side reporter.
type ReporterConfig struct {
	Server     string        // base URL of moat-attestd, e.g. https://attest.internal:8443
	CAFile     string        // PEM CA bundle for the server's certificate; the system's when empty
	StateDir   string        // the spool lives in StateDir/spool
	InstanceID string        // must match the claims' lifetime.instanceId
	Interval   time.Duration // default 60s
	SpoolMax   int           // unsent reports kept at most, default 10000
	BatchSize  int           // reports per submission, default 100
	MinBackoff time.Duration // first retry delay, default 1s
	MaxBackoff time.Duration // retry delay cap, default 5m
	// Collect gathers the claims of one report. Required; it may be
	// called from two goroutines at once.
	Collect func(ctx context.Context) (Claims, error)
	// OnDrain is called when a nonce reply orders a drain (reason
	// DrainVulnerable); it may be called again at every report.
	OnDrain func(reason string, why []string)
	// Packages lists the installed packages, for the report the server
	// asks for (e.g. Host.Packages); without it such requests are ignored.
	Packages   func(ctx context.Context) ([]string, error)
	Log        *slog.Logger
	Registerer prometheus.Registerer // metrics; none when nil
}

func (c *ReporterConfig) defaults() error {
	switch {
	case c.Server == "":
		return errors.New("reporter: Server is empty")
	case c.StateDir == "":
		return errors.New("reporter: StateDir is empty")
	case c.InstanceID == "":
		return errors.New("reporter: InstanceID is empty")
	case c.Collect == nil:
		return errors.New("reporter: Collect is nil")
	}
	c.Server = strings.TrimRight(c.Server, "/")
	c.Interval = cmp.Or(c.Interval, time.Minute)
	c.SpoolMax = cmp.Or(c.SpoolMax, 10000)
	c.BatchSize = cmp.Or(c.BatchSize, 100)
	c.MinBackoff = cmp.Or(c.MinBackoff, time.Second)
	c.MaxBackoff = cmp.Or(c.MaxBackoff, 5*time.Minute)
	c.Log = cmp.Or(c.Log, slog.Default())
	return nil
}

// Reporter makes reports, spools them durably and sends them upstream
// in order until they are acknowledged.
type Reporter struct {
	cfg       ReporterConfig
	key       *Key
	spool     *spool
	client    *client
	m         *reporterMetrics
	wake      chan struct{}
	triggers  chan string
	limit     int    // batch size now; shrinks to isolate a refused report
	pkgSeq    uint64 // sequence of the last report made with the package list
	mu        sync.Mutex
	nearFull  bool
	delivered atomic.Int64 // unix nanoseconds of the last acknowledgement
}

// NewReporter opens the spool under cfg.StateDir; Run starts reporting.
func NewReporter(cfg ReporterConfig, key *Key) (*Reporter, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errors.New("reporter: key is nil")
	}
	sp, err := openSpool(filepath.Join(cfg.StateDir, "spool"), cfg.SpoolMax)
	if err != nil {
		return nil, err
	}
	hc, err := newHTTPClient(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	r := &Reporter{cfg: cfg, key: key, spool: sp, client: &client{base: cfg.Server, http: hc},
		m: newReporterMetrics(cfg.Registerer), wake: make(chan struct{}, 1),
		triggers: make(chan string, 16), limit: cfg.BatchSize}
	r.m.capacity.Set(float64(cfg.SpoolMax))
	r.m.spooled.Set(float64(sp.Len()))
	return r, nil
}

// EnrolledFile, in the state folder, records the key id enrolled.
const EnrolledFile = "attest-enrolled"

// Enrol registers the instance key with the server using a one-time
// token; later reports continue above the server's last sequence. It
// records the enrolment in the state folder (see Enrolled).
func (r *Reporter) Enrol(ctx context.Context, token string) error {
	resp, err := r.client.enrol(ctx, EnrolRequest{Token: token, InstanceID: r.cfg.InstanceID, PublicKey: r.key.PublicDER()})
	if err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	if err := r.spool.Raise(resp.LastSequence); err != nil {
		return err
	}
	return writeFileSync(filepath.Join(r.cfg.StateDir, EnrolledFile), []byte(r.key.id+"\n"), 0o600)
}

// Enrolled tells whether this instance key was enrolled before, so that
// a restart does not spend a token again.
func (r *Reporter) Enrolled() bool {
	b, err := os.ReadFile(filepath.Join(r.cfg.StateDir, EnrolledFile))
	return err == nil && strings.TrimSpace(string(b)) == r.key.id
}

// Trigger asks for a report now (drain, settings or enforcement change).
// It does not block; triggers that arrive together make one report.
func (r *Reporter) Trigger(reason string) {
	select {
	case r.triggers <- reason:
	default:
	}
}

// Report collects the claims and spools a report at once; it returns the
// report's sequence. Sending happens in Run.
func (r *Reporter) Report(ctx context.Context, trigger string) (uint64, error) {
	claims, err := r.collect(ctx, trigger == TriggerPackages)
	if err != nil {
		r.m.collectFailures.Inc()
		return 0, fmt.Errorf("collect claims: %w", err)
	}
	rep, err := r.spool.Append(Report{ObservedAt: time.Now().UTC(), Trigger: trigger, Claims: claims})
	if errors.Is(err, ErrSpoolFull) {
		r.m.spoolRefused.Inc()
		r.cfg.Log.Error("attestation spool full: report not made", "trigger", trigger, "bound", r.spool.Max())
	}
	if err != nil {
		return 0, err
	}
	r.spoolLevel()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return rep.Sequence, nil
}

func (r *Reporter) collect(ctx context.Context, withPackages bool) (Claims, error) {
	claims, err := r.cfg.Collect(ctx)
	if err != nil || !withPackages {
		return claims, err
	}
	if r.cfg.Packages == nil {
		return claims, errors.New("package list asked for, but ReporterConfig.Packages is nil")
	}
	claims.Patch.Packages, err = r.cfg.Packages(ctx)
	return claims, err
}

// spoolLevel updates the gauge and logs once when the spool nears its
// bound (80%).
func (r *Reporter) spoolLevel() {
	n := r.spool.Len()
	r.m.spooled.Set(float64(n))
	near := n*5 >= r.spool.Max()*4
	r.mu.Lock()
	crossed := near && !r.nearFull
	r.nearFull = near
	r.mu.Unlock()
	if crossed {
		r.cfg.Log.Warn("attestation spool nearly full", "reports", n, "bound", r.spool.Max())
	}
}

// Pending is the number of reports not yet acknowledged.
func (r *Reporter) Pending() int { return r.spool.Len() }

// Run reports at start, every interval and on Trigger, and sends in the
// background, until ctx ends.
func (r *Reporter) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { r.sendLoop(ctx) })
	defer wg.Wait()
	r.reportLogged(ctx, TriggerStart)
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			r.reportLogged(ctx, TriggerInterval)
		case why := <-r.triggers:
			r.reportLogged(ctx, why)
		}
	}
}

func (r *Reporter) reportLogged(ctx context.Context, trigger string) {
	if _, err := r.Report(ctx, trigger); err != nil && ctx.Err() == nil {
		r.cfg.Log.Error("attestation report failed", "trigger", trigger, "err", err)
	}
}
