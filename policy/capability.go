package policy

import (
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Capability is a Linux capability number (CAP_CHOWN is 0).
type Capability uint8

// The Linux capabilities, numbered as in linux/capability.h.
const (
	CapChown Capability = iota
	CapDacOverride
	CapDacReadSearch
	CapFowner
	CapFsetid
	CapKill
	CapSetgid
	CapSetuid
	CapSetpcap
	CapLinuxImmutable
	CapNetBindService
	CapNetBroadcast
	CapNetAdmin
	CapNetRaw
	CapIpcLock
	CapIpcOwner
	CapSysModule
	CapSysRawio
	CapSysChroot
	CapSysPtrace
	CapSysPacct
	CapSysAdmin
	CapSysBoot
	CapSysNice
	CapSysResource
	CapSysTime
	CapSysTtyConfig
	CapMknod
	CapLease
	CapAuditWrite
	CapAuditControl
	CapSetfcap
	CapMacOverride
	CapMacAdmin
	CapSyslog
	CapWakeAlarm
	CapBlockSuspend
	CapAuditRead
	CapPerfmon
	CapBPF
	CapCheckpointRestore

	// LastCapability is the highest capability moat knows.
	LastCapability = CapCheckpointRestore
)

var capNames = [LastCapability + 1]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// capByName maps a canonical name (upper case, CAP_ prefix) to its number.
var capByName = func() map[string]Capability {
	m := make(map[string]Capability, len(capNames))
	for i, n := range capNames {
		m[n] = Capability(i)
	}
	return m
}()

// String returns the canonical name, such as CAP_NET_ADMIN.
func (c Capability) String() string {
	if c > LastCapability {
		return fmt.Sprintf("CAP_%d", uint8(c))
	}
	return capNames[c]
}

// CanonicalCapabilityName upper-cases name and adds the CAP_ prefix when it
// is missing, so "net_admin", "NET_ADMIN" and "CAP_NET_ADMIN" are one name.
func CanonicalCapabilityName(name string) string {
	n := strings.ToUpper(strings.TrimSpace(name))
	if !strings.HasPrefix(n, "CAP_") {
		n = "CAP_" + n
	}
	return n
}

// ParseCapability accepts a capability name with or without the CAP_ prefix,
// in any case. An unknown name is an error that suggests the closest name.
func ParseCapability(name string) (Capability, error) {
	if c, ok := lookupCapability(name); ok {
		return c, nil
	}
	return 0, unknownCapabilityError(name)
}

func lookupCapability(name string) (Capability, bool) {
	if c, ok := capByName[name]; ok { // fast path: the canonical spelling
		return c, true
	}
	c, ok := capByName[CanonicalCapabilityName(name)]
	return c, ok
}

func unknownCapabilityError(name string) error {
	if s := ClosestCapability(name); s != "" {
		return fmt.Errorf("unknown capability %q; did you mean %s?", clip(name), s)
	}
	return fmt.Errorf("unknown capability %q; Linux capabilities run from CAP_CHOWN to %s",
		clip(name), LastCapability)
}

// ClosestCapability returns the known capability name nearest to name (edit
// distance on canonical names), or "" when none is near enough to be a typo.
func ClosestCapability(name string) string {
	if len(name) > maxNameLen { // no typo is that long, and distance is quadratic
		return ""
	}
	want := CanonicalCapabilityName(name)
	best, bestDist := "", 1<<30
	for _, n := range capNames {
		if d := levenshtein.ComputeDistance(want, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	if bestDist > maxTypoDistance(want) {
		return ""
	}
	return best
}

// maxNameLen bounds the names ClosestCapability looks at, and the length of
// a name quoted in a message.
const maxNameLen = 64

// clip shortens a string from a spec for a message.
func clip(s string) string {
	if len(s) <= maxNameLen {
		return s
	}
	return s[:maxNameLen] + "..."
}

// maxTypoDistance allows about one edit in three characters of the part
// after CAP_, and at least two.
func maxTypoDistance(canonical string) int {
	return max(2, (len(canonical)-len("CAP_"))/3)
}
