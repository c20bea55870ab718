package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/bpf"
	"github.com/moat-sh/moat/daemon/status"
	"github.com/moat-sh/moat/policy"
)

// checkKernel stops start-up when a family that is not off lacks what the
// kernel must give it, naming the kernel parameter to add.
func (d *Daemon) checkKernel(context.Context) error {
	d.kernel = ReadKernel()
	cfg := d.cfg.Load()
	needBPF := false
	for _, m := range cfg.Modes() {
		needBPF = needBPF || m != "off"
	}
	return d.kernel.Requirements(needBPF, cfg.Enforcement.SELinux.Mode != "off")
}

// programDirs are where denylisted programs are looked for by name.
var programDirs = []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/usr/libexec"}

// runtimeNames are the container runtime's executables, which set a
// container up before it is registered.
var runtimeNames = []string{"runc", "containerd-shim-runc-v2", "moat-runtime", "containerd"}

// bpfConfig turns the enforcement block into the loader's configuration.
func bpfConfig(cfg *Config) (bpf.Config, error) {
	e := cfg.Enforcement
	var c bpf.Config
	var err error
	for _, f := range []struct {
		mode string
		dst  *bpf.Mode
	}{{e.Root.Mode, &c.Root}, {e.Exec.Mode, &c.Exec}, {e.Caps.Mode, &c.Caps}, {e.Tamper.Mode, &c.Tamper}} {
		if *f.dst, err = bpf.ParseMode(f.mode); err != nil {
			return c, err
		}
	}
	c.Protected, c.MountAllow, c.ExecAllowCgroups = e.Root.Protect, e.Root.MountAllow, e.Exec.AllowCgroups
	c.Guarded = []string{cfg.StateDir}
	c.RuntimeExecs = runtimeExecs()
	c.HostCgroups = existing(e.Caps.HostCgroups, defaultHostCgroups)
	if c.ExecDeny, err = denylist(e.Exec.Deny); err != nil {
		return c, err
	}
	return c, nil
}

// denylist resolves program names (default: shells, logins, remote
// access) and paths to the files that exist here.
func denylist(entries []string) ([]string, error) {
	if len(entries) == 0 {
		entries = bpf.DefaultDenyNames
	}
	var names, paths []string
	for _, e := range entries {
		if strings.Contains(e, "/") {
			if _, err := os.Stat(e); err == nil {
				paths = append(paths, e)
			}
			continue
		}
		names = append(names, e)
	}
	found, err := bpf.FindPrograms(programDirs, names)
	if err != nil {
		return nil, fmt.Errorf("enforcement.exec.deny: %w", err)
	}
	return append(paths, found...), nil
}

// defaultHostCgroups is where systemd runs services.
var defaultHostCgroups = []string{"/sys/fs/cgroup/system.slice"}

// existing returns the configured folders, or the defaults that exist here.
func existing(configured, defaults []string) []string {
	if len(configured) > 0 {
		return configured
	}
	var out []string
	for _, d := range defaults {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// runtimeExecs finds the container runtime's executables on this host.
func runtimeExecs() []string {
	var out []string
	for _, name := range runtimeNames {
		if p, err := exec.LookPath(name); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				out = append(out, real)
			}
		}
	}
	if p, err := os.Readlink("/usr/libexec/moat/runc"); err == nil {
		out = append(out, p)
	} else if _, err := os.Stat("/usr/libexec/moat/runc"); err == nil {
		out = append(out, "/usr/libexec/moat/runc")
	}
	return out
}

// startBPF loads the programs (adopting the pins of an earlier moatd, so
// that enforcement never stops) and starts reading audit events.
func (d *Daemon) startBPF(context.Context) error {
	cfg := d.cfg.Load()
	bc, err := bpfConfig(cfg)
	if err != nil {
		return err
	}
	if bc.Root == bpf.ModeOff && bc.Exec == bpf.ModeOff && bc.Caps == bpf.ModeOff && bc.Tamper == bpf.ModeOff {
		d.log.Warn("every BPF rule family is off: nothing is enforced in the kernel")
		return nil
	}
	enf, err := bpf.Load(bc)
	if err != nil {
		return err
	}
	r, err := enf.Events()
	if err != nil {
		enf.Close()
		return err
	}
	d.swapEnforcer(enf, r)
	d.onClose(func() error { return d.swapEnforcer(nil, nil) })
	return nil
}

// enforcer is the loaded rule set, nil when every family is off.
func (d *Daemon) enforcer() *bpf.Enforcer { return d.enf.Load() }

// swapEnforcer makes enf current with its event reader r, then closes
// the previous ones: their pins stay, so enforcement never pauses.
func (d *Daemon) swapEnforcer(enf *bpf.Enforcer, r *bpf.Reader) error {
	d.readerMu.Lock()
	oldReader := d.reader
	d.reader = r
	d.readerMu.Unlock()
	old := d.enf.Swap(enf)
	var errs []error
	if oldReader != nil {
		errs = append(errs, oldReader.Close())
	}
	if old != nil {
		errs = append(errs, old.Close())
	}
	if r != nil {
		d.wg.Add(1)
		go d.pumpEvents(r)
	}
	return errors.Join(errs...)
}

// record turns a kernel event into moatd's audit record.
func (d *Daemon) record(ev bpf.Event) status.Record {
	check := ev.Rule.String()
	r := status.Record{
		Time: ev.Time, Rule: family(check), Check: check, Hook: ev.Hook.String(), Verdict: ev.Action.String(),
		Pid: ev.PID, Tgid: ev.TGID, UID: ev.UID, Comm: ev.Comm, CgroupID: ev.CgroupID, Path: ev.Name,
	}
	switch {
	case strings.HasPrefix(check, "capability"):
		r.Capability = policy.Capability(ev.Arg).String()
	case ev.TargetPID != 0:
		r.Target = fmt.Sprintf("pid %d", ev.TargetPID)
	}
	if d.gate != nil {
		r.Container = d.gate.containerOf(ev.CgroupID)
	}
	return r
}

// family names the rule family a check belongs to.
func family(check string) string {
	switch {
	case strings.HasPrefix(check, "root"):
		return "root"
	case strings.HasPrefix(check, "exec"):
		return "exec"
	case strings.HasPrefix(check, "capability"):
		return "caps"
	case strings.HasPrefix(check, "tamper"):
		return "tamper"
	}
	return check
}

// programs lists the attached programs for the enforcement claim.
func (d *Daemon) programs() []attest.Program {
	if d.enforcer() == nil {
		return nil
	}
	progs, err := d.enforcer().Programs()
	if err != nil {
		d.log.Warn("list attached programs", "err", err)
		return nil
	}
	out := make([]attest.Program, len(progs))
	for i, p := range progs {
		out[i] = attest.Program{ID: p.ID, Tag: p.Tag, Name: p.Name}
	}
	return out
}
