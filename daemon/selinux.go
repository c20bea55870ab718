package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/moat-sh/moat/policy/selinux"
)

// selinuxState is what moatd knows of the loaded policy.
type selinuxState struct {
	mode   string // enforcing, permissive or disabled
	sha256 string // of the policy the kernel holds
	source string // the source digest stamped into it
}

// startSELinux loads moat's policy unless the kernel already holds the one
// this moatd was built with, and sets the configured mode.
func (d *Daemon) startSELinux(context.Context) error {
	c := d.cfg.Load().Enforcement.SELinux
	if c.Mode == "off" {
		d.sel = selinuxState{mode: "disabled"}
		d.log.Warn("enforcement.selinux.mode is off: moat's policy is not loaded")
		return nil
	}
	want, err := embeddedDigest()
	if err != nil {
		return err
	}
	if loaded, err := selinux.LoadedSourceDigest(); err != nil || loaded != want {
		if err := d.loadPolicy(c.Policy); err != nil {
			return err
		}
	}
	if err := selinux.SetEnforce(c.Mode == "enforcing"); err != nil {
		return fmt.Errorf("set SELinux %s: %w", c.Mode, err)
	}
	return d.readSELinux()
}

func (d *Daemon) loadPolicy(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("enforcement.selinux.policy: %w (make build writes bin/selinux/policy.bin)", err)
	}
	if err := selinux.Load(path); err != nil {
		return fmt.Errorf("load SELinux policy %s: %w", path, err)
	}
	d.log.Info("SELinux policy loaded", "path", path)
	return nil
}

func (d *Daemon) readSELinux() error {
	mode, err := selinux.Mode()
	if err != nil {
		return err
	}
	d.sel.mode = mode.String()
	if d.sel.sha256, err = selinux.PolicySHA256(); err != nil {
		return err
	}
	d.sel.source, err = selinux.LoadedSourceDigest()
	return err
}

// embeddedDigest is the source digest of the policy built into moatd.
func embeddedDigest() (string, error) {
	dir, err := os.MkdirTemp("", "moat-cil-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := selinux.WriteSources(dir); err != nil {
		return "", errors.Join(errors.New("write embedded policy sources"), err)
	}
	return selinux.SourceDigest(dir)
}
