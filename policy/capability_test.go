package policy

import (
	"slices"
	"strings"
	"testing"
)

func TestCapabilityNumbers(t *testing.T) {
	// Numbers from linux/capability.h: the BPF gate depends on them.
	known := map[string]Capability{
		"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_KILL": 5, "CAP_SETPCAP": 8, "CAP_NET_ADMIN": 12,
		"CAP_NET_RAW": 13, "CAP_SYS_MODULE": 16, "CAP_SYS_ADMIN": 21, "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29,
		"CAP_SETFCAP": 31, "CAP_MAC_ADMIN": 33, "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
		"CAP_CHECKPOINT_RESTORE": 40,
	}
	for name, want := range known {
		if got, err := ParseCapability(name); err != nil || got != want {
			t.Errorf("ParseCapability(%s) = %d, %v; want %d", name, got, err, want)
		}
	}
	for c := Capability(0); c <= LastCapability; c++ {
		if got, err := ParseCapability(c.String()); err != nil || got != c {
			t.Errorf("%s does not round-trip: %d, %v", c, got, err)
		}
	}
	if got := Capability(41).String(); got != "CAP_41" {
		t.Errorf("Capability(41) = %s", got)
	}
}

func TestParseCapabilitySpellings(t *testing.T) {
	for _, in := range []string{"CAP_NET_ADMIN", "NET_ADMIN", "net_admin", "cap_net_admin", " Cap_Net_Admin "} {
		if c, err := ParseCapability(in); err != nil || c != CapNetAdmin {
			t.Errorf("ParseCapability(%q) = %v, %v", in, c, err)
		}
	}
	for _, in := range []string{"", "CAP_", "ALL", "CAP_NET_ADMIN2", "NETADMIN", "CAP_41"} {
		if _, err := ParseCapability(in); err == nil {
			t.Errorf("ParseCapability(%q) accepted", in)
		}
	}
}

func TestClosestCapability(t *testing.T) {
	cases := map[string]string{
		"CAP_NET_ADMN": "CAP_NET_ADMIN", "NET_AMDIN": "CAP_NET_ADMIN", "sys_admn": "CAP_SYS_ADMIN",
		"CAP_BFP": "CAP_BPF", "CAP_PERFMOM": "CAP_PERFMON", "CHECKPOINT_RESTOR": "CAP_CHECKPOINT_RESTORE",
		"CAP_FROBNICATE_THE_KERNEL": "", "XYZZY_PLUGH": "", strings.Repeat("NET_ADMIN", 100): "",
	}
	for in, want := range cases {
		if got := ClosestCapability(in); got != want {
			t.Errorf("ClosestCapability(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCapSets(t *testing.T) {
	if AllCaps.Len() != 41 || DefaultCaps.Len() != 14 || PrivilegedCaps.Len() != 27 {
		t.Fatalf("sizes: all %d default %d privileged %d", AllCaps.Len(), DefaultCaps.Len(), PrivilegedCaps.Len())
	}
	if uint64(AllCaps) != 1<<41-1 {
		t.Errorf("AllCaps = %#x", uint64(AllCaps))
	}
	var names []string
	for _, n := range defaultCapNames {
		c, _ := ParseCapability(n)
		if !DefaultCaps.Has(c) {
			t.Errorf("%s missing from DefaultCaps", n)
		}
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return int(capByName[a]) - int(capByName[b]) })
	if !slices.Equal(DefaultCaps.Names(), names) {
		t.Errorf("DefaultCaps.Names() = %v", DefaultCaps.Names())
	}
	s := CapSetOf(CapBPF, CapNetAdmin, Capability(63))
	if uint64(s) != 1<<39|1<<12 || s.String() != "CAP_NET_ADMIN, CAP_BPF" || !s.Has(CapBPF) || s.Has(CapSysAdmin) || s.Has(63) {
		t.Errorf("CapSetOf = %#x %q", uint64(s), s)
	}
	if CapSet(0).String() != "none" || CapSet(1<<50).String() != "none" {
		t.Errorf("empty set string")
	}
}
