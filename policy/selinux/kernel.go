package selinux

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Enforcement is the state of SELinux in the running kernel.
type Enforcement int

const (
	// Disabled: the kernel runs without SELinux.
	Disabled Enforcement = iota
	// NoPolicy: SELinux is active but no policy is loaded yet.
	NoPolicy
	// Permissive: a policy is loaded; denials are logged, not enforced.
	Permissive
	// Enforcing: a policy is loaded and enforced.
	Enforcing
)

func (e Enforcement) String() string {
	switch e {
	case Disabled:
		return "disabled"
	case NoPolicy:
		return "no-policy"
	case Permissive:
		return "permissive"
	case Enforcing:
		return "enforcing"
	}
	return fmt.Sprintf("enforcement(%d)", int(e))
}

// ErrNotEnabled is returned when the running kernel has no SELinux.
var ErrNotEnabled = errors.New("selinux is not active in the running kernel")

// kernel locates the kernel interfaces, so tests can point it at files.
type kernel struct {
	selinuxfs   string // where selinuxfs is (or gets) mounted
	filesystems string // /proc/filesystems
	lsm         string // securityfs's list of active LSMs
	mount       func(dir string) error
}

var host = kernel{
	selinuxfs:   "/sys/fs/selinux",
	filesystems: "/proc/filesystems",
	lsm:         "/sys/kernel/security/lsm",
	mount: func(dir string) error {
		return unix.Mount("selinuxfs", dir, "selinuxfs", unix.MS_NOSUID|unix.MS_NOEXEC, "")
	},
}

// Load loads the binary policy at path into the kernel through
// selinuxfs, mounting selinuxfs first if needed. A file that Verify
// refuses is not loaded. It does not change the
// enforcing mode (see SetEnforce).
func Load(path string) error { return host.load(path) }

// SetEnforce switches the loaded policy between enforcing and permissive.
func SetEnforce(enforcing bool) error { return host.setEnforce(enforcing) }

// Mode reports the state of SELinux in the running kernel.
func Mode() (Enforcement, error) { return host.mode() }

// PolicySHA256 returns the hex SHA-256 of the policy the kernel holds,
// as the kernel serialises it (selinuxfs's policy file).
func PolicySHA256() (string, error) { return host.policySHA256() }

// LoadedSourceDigest returns the SourceDigest stamped into the loaded
// policy by Compile.
func LoadedSourceDigest() (string, error) { return host.loadedSourceDigest() }

func (k kernel) loadedSourceDigest() (string, error) {
	if err := k.ready(); err != nil {
		return "", fmt.Errorf("read policy stamp: %w", err)
	}
	booleans, err := os.ReadDir(filepath.Join(k.selinuxfs, "booleans"))
	if err != nil {
		return "", fmt.Errorf("read policy stamp: %w", err)
	}
	for _, b := range booleans {
		if digest, ok := strings.CutPrefix(b.Name(), stampPrefix); ok {
			return digest, nil
		}
	}
	return "", errors.New("read policy stamp: the loaded policy has no moat_src_ boolean (not compiled by Compile)")
}

func (k kernel) load(path string) error {
	if _, err := Verify(path); err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	policy, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	if err := k.ready(); err != nil {
		return fmt.Errorf("load policy %s: %w", path, err)
	}
	if err := os.WriteFile(filepath.Join(k.selinuxfs, "load"), policy, 0); err != nil {
		return fmt.Errorf("load policy %s: %w", path, err)
	}
	return nil
}

func (k kernel) setEnforce(enforcing bool) error {
	if err := k.ready(); err != nil {
		return fmt.Errorf("set enforce: %w", err)
	}
	value := []byte("0")
	if enforcing {
		value = []byte("1")
	}
	if err := os.WriteFile(filepath.Join(k.selinuxfs, "enforce"), value, 0); err != nil {
		return fmt.Errorf("set enforce: %w", err)
	}
	return nil
}

func (k kernel) mode() (Enforcement, error) {
	if !k.supported() {
		return Disabled, nil
	}
	if err := k.ready(); err != nil {
		return Disabled, fmt.Errorf("read mode: %w", err)
	}
	classes, err := os.ReadDir(filepath.Join(k.selinuxfs, "class"))
	if err != nil || len(classes) == 0 {
		return NoPolicy, nil
	}
	value, err := os.ReadFile(filepath.Join(k.selinuxfs, "enforce"))
	if err != nil {
		return Disabled, fmt.Errorf("read mode: %w", err)
	}
	if strings.TrimSpace(string(value)) == "1" {
		return Enforcing, nil
	}
	return Permissive, nil
}

func (k kernel) policySHA256() (string, error) {
	if err := k.ready(); err != nil {
		return "", fmt.Errorf("hash loaded policy: %w", err)
	}
	f, err := os.Open(filepath.Join(k.selinuxfs, "policy"))
	if err != nil {
		return "", fmt.Errorf("hash loaded policy: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash loaded policy: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ready makes sure SELinux is active and selinuxfs is mounted.
func (k kernel) ready() error {
	if !k.supported() {
		return k.notEnabled()
	}
	if _, err := os.Stat(filepath.Join(k.selinuxfs, "enforce")); err == nil {
		return nil
	}
	if err := k.mount(k.selinuxfs); err != nil {
		return fmt.Errorf("mount selinuxfs on %s: %w", k.selinuxfs, err)
	}
	return nil
}

// supported tells whether the kernel registered selinuxfs, which it
// does only when SELinux is active.
func (k kernel) supported() bool {
	data, err := os.ReadFile(k.filesystems)
	return err == nil && bytes.Contains(data, []byte("\tselinuxfs\n"))
}

func (k kernel) notEnabled() error {
	active := "unknown"
	if data, err := os.ReadFile(k.lsm); err == nil {
		active = strings.TrimSpace(string(data))
	}
	return fmt.Errorf("%w (active LSMs: %s): boot the kernel with the parameter lsm=%s and selinux=1 (for example lsm=lockdown,capability,selinux,bpf selinux=1)",
		ErrNotEnabled, active, lsmWithSELinux(active))
}

// lsmWithSELinux is the lsm= value that adds selinux to the active list,
// dropping the LSMs that exclude it (only one of them can be active).
func lsmWithSELinux(active string) string {
	if active == "unknown" || active == "" {
		return "...,selinux"
	}
	var kept []string
	for _, name := range strings.Split(active, ",") {
		switch name {
		case "selinux", "apparmor", "smack":
		default:
			kept = append(kept, name)
		}
	}
	return strings.Join(append(kept, "selinux"), ",")
}
