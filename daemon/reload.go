package daemon

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/bpf"
	"github.com/moat-sh/moat/policy/selinux"
)

// reload applies a changed configuration file on SIGHUP: validate, apply
// all or nothing, and keep the running configuration on any error.
func (d *Daemon) reload(ctx context.Context) {
	d.sd.Reloading()
	defer d.sd.Ready()
	if err := d.Reload(ctx); err != nil {
		d.sd.Status("reload refused: " + err.Error())
	}
}

// fixed are the keys a reload cannot change: they need a restart.
func fixed(old, next *Config) error {
	var errs []error
	same := func(field string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			errs = append(errs, fmt.Errorf("%s cannot change on reload: restart moatd", field))
		}
	}
	same("stateDir", old.StateDir, next.StateDir)
	same("fips", old.FIPS, next.FIPS)
	same("api", old.API, next.API)
	same("metrics", old.Metrics, next.Metrics)
	same("audit", old.Audit, next.Audit)
	same("attestation", old.Attestation, next.Attestation)
	same("containerd.address", old.Containerd.Address, next.Containerd.Address)
	same("enforcement.selinux.policy", old.Enforcement.SELinux.Policy, next.Enforcement.SELinux.Policy)
	if (old.Enforcement.SELinux.Mode == "off") != (next.Enforcement.SELinux.Mode == "off") {
		errs = append(errs, errors.New("enforcement.selinux.mode cannot turn SELinux on or off on reload: restart moatd"))
	}
	return errors.Join(errs...)
}

// apply switches to next. The one step that can fail in the kernel (the
// BPF rule set) goes first; the rest are swaps that cannot fail.
func (d *Daemon) apply(old, next *Config) error {
	if err := fixed(old, next); err != nil {
		return err
	}
	if err := d.applyBPF(old, next); err != nil {
		return err
	}
	if next.Enforcement.SELinux.Mode != old.Enforcement.SELinux.Mode {
		if err := selinux.SetEnforce(next.Enforcement.SELinux.Mode == "enforcing"); err != nil {
			return fmt.Errorf("set SELinux %s: %w", next.Enforcement.SELinux.Mode, err)
		}
		d.readSELinux()
	}
	d.cfg.Store(next)
	d.admit.current.Store(d.newBackend(next))
	d.sched.Update(next.LifecycleSettings())
	d.m.setModes(next.Modes())
	if d.rep != nil {
		if !reflect.DeepEqual(old.CapacityProvider, next.CapacityProvider) {
			d.rep.Trigger(attest.TriggerSettings)
		}
		if !reflect.DeepEqual(old.Enforcement, next.Enforcement) {
			d.rep.Trigger(attest.TriggerEnforcement)
		}
	}
	return nil
}

// applyBPF updates the maps in place, or loads a new rule set when a
// family's mode changed (the new links replace the old pins atomically).
func (d *Daemon) applyBPF(old, next *Config) error {
	bc, err := bpfConfig(next)
	if err != nil {
		return err
	}
	enf := d.enforcer()
	if enf == nil || !reflect.DeepEqual(old.Modes(), next.Modes()) {
		return d.reloadBPF(bc)
	}
	return errors.Join(enf.SetProtected(bc.Protected), enf.SetMountAllow(bc.MountAllow),
		enf.SetExecDeny(bc.ExecDeny), enf.SetExecAllowCgroups(bc.ExecAllowCgroups), enf.SetRuntimeExecs(bc.RuntimeExecs))
}

func (d *Daemon) reloadBPF(bc bpf.Config) error {
	if bc.Root == bpf.ModeOff && bc.Exec == bpf.ModeOff && bc.Caps == bpf.ModeOff && bc.Tamper == bpf.ModeOff {
		return errors.New("enforcement: turning every BPF family off needs a restart of moatd and an uninstall of the pins")
	}
	enf, err := bpf.Load(bc)
	if err != nil {
		return fmt.Errorf("load the new BPF rule set: %w", err)
	}
	r, err := enf.Events()
	if err != nil {
		enf.Close()
		return err
	}
	d.swapEnforcer(enf, r)
	return nil
}

// Reload is the operator's reload (moat reload): the same as SIGHUP, with
// the outcome returned.
func (d *Daemon) Reload(ctx context.Context) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	next, err := LoadConfig(d.opts.ConfigPath)
	if err == nil {
		err = d.apply(d.cfg.Load(), next)
	}
	if err != nil {
		d.log.Error("reload refused; the running configuration stays", "err", err)
		return err
	}
	d.log.Info("configuration reloaded", "families", next.Modes())
	return nil
}

// RequestDrain is the operator's drain request (moat drain).
func (d *Daemon) RequestDrain(context.Context) error {
	if d.sched == nil {
		return errors.New("the lifecycle scheduler is not running")
	}
	d.log.Warn("operator asked to drain")
	d.sched.RequestDrain()
	return nil
}
