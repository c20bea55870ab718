package bpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Mode is how a rule family acts: off, audit (allow and report) or
// enforce (refuse with EPERM and report).
type Mode uint32

const (
	ModeOff     = Mode(moatModeMODE_OFF)
	ModeAudit   = Mode(moatModeMODE_AUDIT)
	ModeEnforce = Mode(moatModeMODE_ENFORCE)
)

// ParseMode reads "off", "audit" or "enforce".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "off":
		return ModeOff, nil
	case "audit":
		return ModeAudit, nil
	case "enforce":
		return ModeEnforce, nil
	}
	return ModeOff, fmt.Errorf("mode %q: want off, audit or enforce", s)
}

func (m Mode) String() string {
	switch m {
	case ModeOff:
		return "off"
	case ModeAudit:
		return "audit"
	case ModeEnforce:
		return "enforce"
	}
	return fmt.Sprintf("Mode(%d)", uint32(m))
}

// Capability numbers (include/uapi/linux/capability.h) used in masks:
// bit n of a mask stands for capability n.
const (
	CapChown          = 0
	CapDacOverride    = 1
	CapFowner         = 3
	CapFsetid         = 4
	CapKill           = 5
	CapSetgid         = 6
	CapSetuid         = 7
	CapSetpcap        = 8
	CapNetBindService = 10
	CapNetAdmin       = 12
	CapNetRaw         = 13
	CapSysChroot      = 18
	CapSysAdmin       = 21
	CapMknod          = 27
	CapAuditWrite     = 29
	CapSetfcap        = 31
	CapBPF            = 39
)

// CapMask returns the mask holding the given capabilities.
func CapMask(caps ...int) uint64 {
	var m uint64
	for _, c := range caps {
		m |= 1 << uint(c)
	}
	return m
}

// DefaultCaps is the container runtime's default capability set.
var DefaultCaps = CapMask(CapChown, CapDacOverride, CapFsetid, CapFowner, CapMknod, CapNetRaw,
	CapSetgid, CapSetuid, CapSetfcap, CapSetpcap, CapNetBindService, CapSysChroot, CapKill,
	CapAuditWrite)

// DefaultDenyNames are the programs that never run in the host context:
// shells, login and session programs, remote-access servers. Use
// FindPrograms to turn them into the paths of Config.ExecDeny.
var DefaultDenyNames = []string{
	"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox",
	"login", "agetty", "getty", "su", "sudo", "runuser", "nsenter", "unshare", "script",
	"sshd", "dropbear", "telnetd", "in.telnetd",
}

// DefaultPinDir is where links and maps are pinned.
const DefaultPinDir = "/sys/fs/bpf/moat"

// Config is what Load needs. Modes are load-time settings (a change means
// a new Load); the lists are run-time data that the Set methods update.
type Config struct {
	Root   Mode // immutable root
	Exec   Mode // no shell in the host context
	Caps   Mode // capability gate
	Tamper Mode // self-protection

	Protected        []string // mount points of protected filesystems; default "/"
	MountAllow       []string // directories of protected filesystems that may be mounted over
	ExecDeny         []string // programs that never run in the host context (resolved to inodes)
	ExecAllowCgroups []string // cgroup v2 folders that may run ExecDeny programs
	Guarded          []string // folders only the daemon may unlink or rename in (state)
	RuntimeExecs     []string // container runtimes (runc) the capability gate spares
	HostCgroups      []string // cgroup v2 subtrees that are host context in any mount namespace (load time)

	DefaultCaps uint64 // capabilities every container gets; 0 means DefaultCaps
	RatePerSec  uint64 // audit events per rule, second and CPU; 0 means 100
	PinDir      string // bpffs folder; "" means DefaultPinDir
}

func (c Config) withDefaults() Config {
	if c.Protected == nil {
		c.Protected = []string{"/"}
	}
	if c.DefaultCaps == 0 {
		c.DefaultCaps = DefaultCaps
	}
	if c.RatePerSec == 0 {
		c.RatePerSec = 100
	}
	if c.PinDir == "" {
		c.PinDir = DefaultPinDir
	}
	return c
}

func (c Config) pathLists() []pathList {
	return []pathList{
		{"Protected", c.Protected}, {"MountAllow", c.MountAllow}, {"ExecDeny", c.ExecDeny},
		{"ExecAllowCgroups", c.ExecAllowCgroups}, {"Guarded", c.Guarded}, {"RuntimeExecs", c.RuntimeExecs},
		{"HostCgroups", c.HostCgroups},
	}
}

type pathList struct {
	name  string
	paths []string
}

// checkPaths makes sure every named file exists, before Load touches
// the kernel, so that a mistake changes nothing.
func (c Config) checkPaths() error {
	var errs []error
	for _, l := range c.pathLists() {
		for i, p := range l.paths {
			if _, err := os.Stat(p); err != nil {
				errs = append(errs, fmt.Errorf("%s[%d]: %w", l.name, i, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Validate checks the configuration; the error names the field.
func (c Config) Validate() error {
	var errs []error
	for i, m := range []Mode{c.Root, c.Exec, c.Caps, c.Tamper} {
		if m > ModeEnforce {
			name := []string{"Root", "Exec", "Caps", "Tamper"}[i]
			errs = append(errs, fmt.Errorf("%s: mode %d: want off, audit or enforce", name, m))
		}
	}
	for _, l := range append(c.pathLists(), pathList{"PinDir", []string{c.PinDir}}) {
		for i, p := range l.paths {
			if p != "" && !filepath.IsAbs(p) || (p == "" && l.name != "PinDir") {
				errs = append(errs, fmt.Errorf("%s[%d]: %q is not an absolute path", l.name, i, p))
			}
		}
	}
	if c.Protected != nil && len(c.Protected) == 0 && (c.Root != ModeOff || c.Exec != ModeOff) {
		errs = append(errs, errors.New("Protected: empty, but Root or Exec is not off: name at least one mount point"))
	}
	return errors.Join(errs...)
}
