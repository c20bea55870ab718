package policy

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The five capability sets of an OCI process, as bits of capUse.sets.
var capSetNames = [5]string{"bounding", "effective", "inheritable", "permitted", "ambient"}

// capUse is what a process asks for: per capability the sets naming it,
// their union, and names that are no capability.
type capUse struct {
	union   CapSet
	sets    [LastCapability + 1]uint8
	unknown []unknownCap
	// moreUnknown counts the unknown names past maxUnknown, which are not
	// kept (a spec may list any number of them).
	moreUnknown int
}

// maxUnknown bounds the unknown names kept for the reason.
const maxUnknown = 8

type unknownCap struct {
	name string
	sets uint8
}

func scanCapabilities(p *specs.Process) capUse {
	var u capUse
	if p == nil || p.Capabilities == nil {
		return u
	}
	c := p.Capabilities
	for i, list := range [5][]string{c.Bounding, c.Effective, c.Inheritable, c.Permitted, c.Ambient} {
		for _, name := range list {
			u.add(name, uint8(1)<<i)
		}
	}
	return u
}

func (u *capUse) add(name string, bit uint8) {
	c, ok := lookupCapability(name)
	if ok {
		u.union = u.union.With(c)
		u.sets[c] |= bit
		return
	}
	for i := range u.unknown {
		if u.unknown[i].name == name {
			u.unknown[i].sets |= bit
			return
		}
	}
	if len(u.unknown) == maxUnknown {
		u.moreUnknown++
		return
	}
	u.unknown = append(u.unknown, unknownCap{name: name, sets: bit})
}

func setsString(bits uint8) string {
	var names []string
	for i, n := range capSetNames {
		if bits&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return "in " + strings.Join(names, ", ")
}

// capabilityViolations checks the capability sets against the opt-in.
func capabilityViolations(s *Settings, u capUse) []Violation {
	var vs []Violation
	if len(u.unknown) > 0 {
		vs = append(vs, unknownCapViolation(s, u.unknown, u.moreUnknown))
	}
	if f, ok := privilegedStyle(u.union); ok {
		return append(vs, f.violation(s))
	}
	missing := u.union &^ DefaultCaps &^ s.PrivilegedCapabilities
	if missing == 0 {
		return vs
	}
	asked := make([]string, 0, missing.Len())
	for _, c := range missing.Caps() {
		asked = append(asked, fmt.Sprintf("%s (%s)", c, setsString(u.sets[c])))
	}
	a := strings.Join(asked, ", ")
	return append(vs, Violation{Rule: RuleCapabilities, Asked: a, Reason: fmt.Sprintf(
		"container asks for %s; capacity provider %q allows %s; add %s to %s",
		a, s.Name, s.Allowed(), missing, fieldPath("privilegedCapabilities"))})
}

// privilegedSlack is how many capabilities a privileged-style spec may lack:
// runtimes build it from the capabilities they hold themselves, which an
// older kernel or a sandboxed runtime may miss a few of.
const privilegedSlack = 3

// privilegedStyle: the union holds every capability, or all but a few.
func privilegedStyle(union CapSet) (finding, bool) {
	n, all := union.Len(), AllCaps.Len()
	switch {
	case n == all:
		return finding{rule: RulePrivileged, what: "asks for every capability (a privileged container)"}, true
	case n >= all-privilegedSlack:
		return finding{rule: RulePrivileged, what: fmt.Sprintf(
			"asks for %d of the %d capabilities, all but %s (a privileged container)", n, all, AllCaps&^union)}, true
	}
	return finding{}, false
}

func unknownCapViolation(s *Settings, unknown []unknownCap, more int) Violation {
	asked := make([]string, len(unknown))
	for i, u := range unknown {
		hint := ""
		if c := ClosestCapability(u.name); c != "" {
			hint = "; did you mean " + c + "?"
		}
		asked[i] = fmt.Sprintf("%q (%s%s)", clip(u.name), setsString(u.sets), hint)
	}
	if more > 0 {
		asked = append(asked, fmt.Sprintf("%d more unknown %s", more, plural(more, "name")))
	}
	a := strings.Join(asked, ", ")
	return Violation{Rule: RuleUnknownCapability, Asked: a, Reason: fmt.Sprintf(
		"container asks for %s, which %s no Linux capability up to %s, so admission cannot check it; "+
			"capacity provider %q allows %s; fix the name, or set %s to %s",
		a, isAreNo(len(unknown)), LastCapability, s.Name, s.Allowed(), fieldPath("privilegedCapabilities"), AllKeyword)}
}

func isAreNo(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
