package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moat-sh/moat/attest"
	"go.yaml.in/yaml/v3"
)

// startReporter enrols the instance key (once) and reports every interval
// and at every drain, settings or enforcement change. The server may be
// down: enrolment is retried in the background, reports wait in the spool.
func (d *Daemon) startReporter(ctx context.Context) error {
	cfg := d.cfg.Load()
	a := cfg.Attestation
	if a.Endpoint == "" {
		d.log.Warn("attestation.endpoint is empty: no attestations are sent")
		return nil
	}
	interval, _ := time.ParseDuration(a.Interval)
	var err error
	d.rep, err = attest.NewReporter(attest.ReporterConfig{
		Server: a.Endpoint, CAFile: a.CA, StateDir: cfg.StateDir, InstanceID: d.id,
		Interval: interval, SpoolMax: a.SpoolMax,
		Collect: d.claims, OnDrain: d.onVulnerable,
		Packages: func(context.Context) ([]string, error) {
			l, _, err := attest.Host{}.Packages()
			return l, err
		},
		Registerer: d.m.reg, Log: d.log,
	}, d.key)
	if err != nil {
		return err
	}
	d.goRun(func() { d.report(ctx, a.TokenFile) })
	return nil
}

func (d *Daemon) report(ctx context.Context, tokenFile string) {
	for !d.rep.Enrolled() {
		err := d.enrol(ctx, tokenFile)
		if err == nil {
			break
		}
		d.log.Warn("enrol with the attestation server", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
	if err := d.rep.Run(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("reporter stopped", "err", err)
	}
}

func (d *Daemon) enrol(ctx context.Context, tokenFile string) error {
	if tokenFile == "" {
		return errors.New("attestation.tokenFile is empty and this instance is not enrolled")
	}
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		return fmt.Errorf("attestation.tokenFile: %w", err)
	}
	return d.rep.Enrol(ctx, strings.TrimSpace(string(b)))
}

// reportNow spools a report at once (a drain) and asks the reporter to send.
func (d *Daemon) reportNow(ctx context.Context, trigger string) {
	if d.rep == nil {
		return
	}
	if _, err := d.rep.Report(ctx, trigger); err != nil {
		d.log.Error("report", "trigger", trigger, "err", err)
	}
	d.rep.Trigger(trigger)
}

// onVulnerable is the server's word that the patch level is vulnerable.
func (d *Daemon) onVulnerable(reason string, why []string) {
	d.log.Warn("attestation server: drain early", "reason", reason, "why", why)
	d.sched.SetVulnerable(true)
}

// claims gathers one report: lifetime, patch and enforcement.
func (d *Daemon) claims(ctx context.Context) (attest.Claims, error) {
	cfg := d.cfg.Load()
	host := attest.Host{}
	patch, err := host.Patch(false)
	if err != nil {
		return attest.Claims{}, err
	}
	return attest.Claims{Lifetime: d.lifetimeClaim(d.id), Patch: patch, Enforcement: d.enforcementClaim(cfg)}, nil
}

func (d *Daemon) lifetimeClaim(id string) attest.Lifetime {
	p := d.sched.Plan()
	bootID, _ := attest.Host{}.BootID()
	up, _ := attest.Uptime()
	draining, reason := d.drain.get()
	return attest.Lifetime{
		InstanceID: id, BootID: bootID, LaunchTime: d.inst.Launch, Uptime: up,
		DrainBy: p.DrainBy, TerminateBy: p.TerminateAt, NextWindow: p.NextWindow.Start,
		Draining: draining, DrainReason: claimReason(reason),
	}
}

// claimReason maps moatd's drain reasons onto the claim's.
func claimReason(r string) string {
	if r == "terminate" {
		return attest.DrainSchedule
	}
	return r
}

func (d *Daemon) enforcementClaim(cfg *Config) attest.Enforcement {
	lockdown, _ := attest.Host{}.Lockdown()
	return attest.Enforcement{
		SELinuxMode: d.sel.mode, PolicySHA256: d.sel.sha256, Lockdown: lockdown,
		Families: cfg.Modes(), Programs: d.programs(), SettingsDigest: settingsDigest(cfg),
		Denials: d.denialsSinceLastReport(cfg), Version: Version,
	}
}

func (d *Daemon) denialsSinceLastReport(cfg *Config) map[string]uint64 {
	d.reportedMu.Lock()
	defer d.reportedMu.Unlock()
	if d.reported == nil {
		d.reported = map[string]uint64{}
	}
	out := map[string]uint64{}
	for rule := range cfg.Modes() {
		n := d.audit.Denials(rule)
		out[rule] = n - d.reported[rule]
		d.reported[rule] = n
	}
	return out
}

// settingsDigest is the SHA-256 of the capacity provider's settings in
// their canonical YAML form.
func settingsDigest(cfg *Config) string {
	b, err := yaml.Marshal(cfg.CapacityProvider)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// instanceID (read once, at start: the attestation block cannot change on
// reload) is the configured id, else the machine id, else one made at
// first start and kept in the state folder.
func instanceID(cfg *Config) (string, error) {
	if cfg.Attestation.InstanceID != "" {
		return cfg.Attestation.InstanceID, nil
	}
	if b, err := os.ReadFile("/etc/machine-id"); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return "i-" + strings.TrimSpace(string(b)), nil
	}
	path := filepath.Join(cfg.StateDir, "instance-id")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	raw := make([]byte, 16)
	if _, err := randRead(raw); err != nil {
		return "", err
	}
	id := "i-" + hex.EncodeToString(raw)
	return id, writeFileSync(path, []byte(id+"\n"), 0o600)
}
