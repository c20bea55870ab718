package attest_test

import (
	"errors"
	"log/slog"

	"context"
	"encoding/pem"
	"github.com/prometheus/client_golang/prometheus"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/server"
)

// A reporter whose state folder was lost (same key, sequences from 1
// again) sends reports the server refuses for good as reordered: each is
// isolated and kept in spool/rejected, and later ones go through.
func TestReporterQuarantine(t *testing.T) {
	u := newUpstream(t)
	stateA, stateB, c := t.TempDir(), t.TempDir(), &collector{}
	a := newReporter(t, u, stateA, c)
	if err := a.Enrol(context.Background(), u.token("i-1")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		a.Report(context.Background(), attest.TriggerInterval)
	}
	flush(t, a)
	key, _ := os.ReadFile(filepath.Join(stateA, attest.KeyFile))
	os.WriteFile(filepath.Join(stateB, attest.KeyFile), key, 0o600)
	b := newReporter(t, u, stateB, c)
	for range 5 {
		b.Report(context.Background(), attest.TriggerInterval)
	}
	flush(t, b)
	rejected, _ := filepath.Glob(filepath.Join(stateB, "spool", "rejected", "*.json"))
	if len(rejected) != 3 {
		t.Fatalf("%d reports in spool/rejected, want 3 (sequences 1 to 3)", len(rejected))
	}
	if got := u.lastSeq("i-1"); got != 5 {
		t.Fatalf("server's last sequence %d, want 5", got)
	}
}

func flush(t *testing.T, r *attest.Reporter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// The nonce reply of a server whose baseline the instance is below
// orders a drain.
func TestReporterDrainOrder(t *testing.T) {
	cfg := server.Defaults()
	cfg.Baseline.MinKernel = "99.0"
	u := newUpstream(t)
	u.cfg = &cfg
	u.stop()
	u.start()
	var drains atomic.Int64
	var reason atomic.Value
	c := &collector{}
	r := newReporterWith(t, attest.ReporterConfig{Server: "http://" + u.addr, OnDrain: func(why string, _ []string) {
		drains.Add(1)
		reason.Store(why)
	}}, t.TempDir(), c)
	if err := r.Enrol(context.Background(), u.token("i-1")); err != nil {
		t.Fatal(err)
	}
	r.Report(context.Background(), attest.TriggerStart)
	flush(t, r)
	if drains.Load() != 0 {
		t.Fatal("drain ordered before any patch claim")
	}
	r.Report(context.Background(), attest.TriggerInterval)
	flush(t, r)
	if drains.Load() != 1 || reason.Load() != attest.DrainVulnerable {
		t.Fatalf("drains %d reason %v, want 1 vulnerable", drains.Load(), reason.Load())
	}
}

// TLS with a configured CA: trusted with it, refused without it.
func TestReporterTLS(t *testing.T) {
	u := newUpstream(t)
	tok := u.token("i-1")
	st := u.st
	ts := newTLSServer(t, server.New(st, server.Defaults(), quiet))
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600)

	without := newReporterWith(t, attest.ReporterConfig{Server: ts.URL}, t.TempDir(), &collector{})
	if err := without.Enrol(context.Background(), tok); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("enrol without the CA: %v, want a certificate error", err)
	}
	with := newReporterWith(t, attest.ReporterConfig{Server: ts.URL, CAFile: ca}, t.TempDir(), &collector{})
	if err := with.Enrol(context.Background(), tok); err != nil {
		t.Fatalf("enrol with the CA: %v", err)
	}
	with.Report(context.Background(), attest.TriggerStart)
	flush(t, with)
	key, _ := attest.LoadOrCreateKey(t.TempDir())
	if _, err := attest.NewReporter(attest.ReporterConfig{Server: ts.URL, CAFile: filepath.Join(t.TempDir(), "none"),
		StateDir: t.TempDir(), InstanceID: "i-1", Collect: (&collector{}).collect}, key); err == nil {
		t.Fatal("missing CA file accepted")
	}
}

func TestReporterConfigErrors(t *testing.T) {
	good := attest.ReporterConfig{Server: "http://x", StateDir: t.TempDir(), InstanceID: "i", Collect: (&collector{}).collect}
	for field, mut := range map[string]func(*attest.ReporterConfig){
		"Server":     func(c *attest.ReporterConfig) { c.Server = "" },
		"StateDir":   func(c *attest.ReporterConfig) { c.StateDir = "" },
		"InstanceID": func(c *attest.ReporterConfig) { c.InstanceID = "" },
		"Collect":    func(c *attest.ReporterConfig) { c.Collect = nil },
	} {
		c := good
		mut(&c)
		if _, err := attest.NewReporter(c, nil); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("without %s: %v", field, err)
		}
	}
}

// In FIPS 140-3 mode the instance key is ECDSA P-256 and still signs and
// verifies. The check runs in a child process started with
// GODEBUG=fips140=on.
func TestFIPSKey(t *testing.T) {
	if dir := os.Getenv("MOAT_FIPS_CHILD"); dir != "" {
		k, err := attest.LoadOrCreateKey(dir)
		if err != nil || k.Alg() != attest.AlgECDSAP256 {
			t.Fatalf("FIPS key: %v %v", k, err)
		}
		r := attest.Report{Sequence: 1}
		r.Claims.Lifetime.InstanceID = "i-1"
		env, err := attest.Sign(context.Background(), k, r, "n")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := attest.Verify(context.Background(), k.Verifier, env); err != nil {
			t.Fatal(err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFIPSKey$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GODEBUG=fips140=on", "MOAT_FIPS_CHILD="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("FIPS child: %v\n%s", err, out)
	}
}

// An operator asks for the package list: the reporter sends one report
// that carries it, and the request is then cleared.
func TestReporterPackageList(t *testing.T) {
	u := newUpstream(t)
	asked := atomic.Int64{}
	r := newReporterWith(t, attest.ReporterConfig{Server: "http://" + u.addr,
		Packages: func(context.Context) ([]string, error) {
			asked.Add(1)
			return []string{"base-files 12.4 amd64"}, nil
		}}, t.TempDir(), &collector{})
	if err := r.Enrol(context.Background(), u.token("i-1")); err != nil {
		t.Fatal(err)
	}
	if err := u.st.RequestPackages(context.Background(), "i-1"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r.Report(context.Background(), attest.TriggerInterval)
		flush(t, r)
	}
	h, err := u.st.History(context.Background(), "i-1", 100)
	if err != nil {
		t.Fatal(err)
	}
	with := 0
	for _, rep := range h {
		if len(rep.Report.Claims.Patch.Packages) > 0 {
			with++
			if rep.Report.Trigger != attest.TriggerPackages {
				t.Fatalf("list sent with trigger %q", rep.Report.Trigger)
			}
		}
	}
	inst, _ := u.st.Instance(context.Background(), "i-1")
	if with != 1 || asked.Load() != 1 || inst.PackagesRequested {
		t.Fatalf("%d reports with the list, %d lists made, still requested %v; want 1, 1, false", with, asked.Load(), inst.PackagesRequested)
	}
}

// Near its bound the spool says so in the log and the gauge; at the
// bound a new report is refused loudly, and nothing already spooled is
// dropped.
func TestReporterSpoolBound(t *testing.T) {
	var logs strings.Builder
	reg := prometheus.NewRegistry()
	key, _ := attest.LoadOrCreateKey(t.TempDir())
	r, err := attest.NewReporter(attest.ReporterConfig{Server: "http://127.0.0.1:1", StateDir: t.TempDir(), InstanceID: "i-1",
		SpoolMax: 5, Collect: (&collector{}).collect, Registerer: reg,
		Log: slog.New(slog.NewTextHandler(&logs, nil))}, key)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := r.Report(context.Background(), attest.TriggerInterval); err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
		if near := strings.Contains(logs.String(), "nearly full"); near != (i >= 3) {
			t.Fatalf("after %d reports: nearly-full logged %v", i+1, near)
		}
	}
	if _, err := r.Report(context.Background(), attest.TriggerInterval); !errors.Is(err, attest.ErrSpoolFull) {
		t.Fatalf("report past the bound: %v", err)
	}
	if !strings.Contains(logs.String(), "spool full") || r.Pending() != 5 {
		t.Fatalf("pending %d, log:\n%s", r.Pending(), logs.String())
	}
	want := map[string]float64{"moat_attest_spool_reports": 5, "moat_attest_spool_capacity": 5, "moat_attest_spool_full_total": 1}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if v, ok := want[mf.GetName()]; ok {
			m := mf.GetMetric()[0]
			if got := m.GetGauge().GetValue() + m.GetCounter().GetValue(); got != v {
				t.Errorf("%s = %v, want %v", mf.GetName(), got, v)
			}
			delete(want, mf.GetName())
		}
	}
	if len(want) > 0 {
		t.Errorf("metrics missing: %v", want)
	}
}
