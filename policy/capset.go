package policy

import (
	"math/bits"
	"strings"
)

// CapSet is a set of capabilities as a bit mask: bit n is capability n.
// It is the form the BPF capability gate takes per container.
type CapSet uint64

// The sets admission works with.
const (
	// AllCaps holds every capability up to LastCapability.
	AllCaps CapSet = 1<<(LastCapability+1) - 1

	// DefaultCaps is the container runtime's default set: always allowed,
	// never an opt-in.
	DefaultCaps CapSet = 1<<CapChown | 1<<CapDacOverride | 1<<CapFsetid |
		1<<CapFowner | 1<<CapMknod | 1<<CapNetRaw | 1<<CapSetgid |
		1<<CapSetuid | 1<<CapSetfcap | 1<<CapSetpcap | 1<<CapNetBindService |
		1<<CapSysChroot | 1<<CapKill | 1<<CapAuditWrite

	// PrivilegedCaps holds every capability outside the default set: the
	// ones a capacity provider must opt in to.
	PrivilegedCaps = AllCaps &^ DefaultCaps
)

// CapSetOf returns the set holding caps.
func CapSetOf(caps ...Capability) CapSet {
	var s CapSet
	for _, c := range caps {
		s = s.With(c)
	}
	return s
}

// With returns s with c added; a number past LastCapability is ignored.
func (s CapSet) With(c Capability) CapSet {
	if c > LastCapability {
		return s
	}
	return s | 1<<c
}

// Has reports whether c is in s.
func (s CapSet) Has(c Capability) bool {
	return c <= LastCapability && s&(1<<c) != 0
}

// Len is the number of capabilities in s.
func (s CapSet) Len() int { return bits.OnesCount64(uint64(s & AllCaps)) }

// Caps lists the capabilities of s in numeric order.
func (s CapSet) Caps() []Capability {
	out := make([]Capability, 0, s.Len())
	for c := Capability(0); c <= LastCapability; c++ {
		if s.Has(c) {
			out = append(out, c)
		}
	}
	return out
}

// Names lists the canonical names of s in numeric order.
func (s CapSet) Names() []string {
	caps := s.Caps()
	out := make([]string, len(caps))
	for i, c := range caps {
		out[i] = c.String()
	}
	return out
}

// String is the names joined by ", ", or "none" for the empty set.
func (s CapSet) String() string {
	if s&AllCaps == 0 {
		return "none"
	}
	return strings.Join(s.Names(), ", ")
}
