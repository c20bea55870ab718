package attest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// State is an instance's compliance, from best to worst.
type State string

// The compliance states. Worse states win when several rules fire.
const (
	Compliant    State = "compliant"
	Stale        State = "stale"
	Noncompliant State = "noncompliant"
	Vulnerable   State = "vulnerable"
	Critical     State = "critical"
)

// States lists every state from best to worst.
var States = []State{Compliant, Stale, Noncompliant, Vulnerable, Critical}

func (s State) rank() int { return slices.Index(States, s) }

// Lifetime limits that every schedule must keep.
const (
	MaxDrainAfter     = 14 * 24 * time.Hour
	MaxTerminateAfter = 21 * 24 * time.Hour
)

// Baseline is the patch baseline set in the server's config. Zero fields
// are not checked.
type Baseline struct {
	MinKernel   string        `yaml:"minKernel" json:"minKernel,omitempty"`     // e.g. 6.1.0-27
	AllowedOS   []string      `yaml:"allowedOS" json:"allowedOS,omitempty"`     // "ID VERSION_ID", e.g. "debian 12"
	MaxImageAge time.Duration `yaml:"maxImageAge" json:"maxImageAge,omitempty"` // e.g. 720h
}

// Compliance is the verdict on one instance, with every reason found.
type Compliance struct {
	State   State    `json:"state"`
	Reasons []string `json:"reasons,omitempty"`
}

func (c *Compliance) add(s State, format string, args ...any) {
	if s.rank() > c.State.rank() {
		c.State = s
	}
	c.Reasons = append(c.Reasons, fmt.Sprintf(format, args...))
}

// Evaluate judges an instance at now from its last report (nil when it
// never reported), the time that report arrived and the report interval.
func Evaluate(now time.Time, last *Report, lastSeen time.Time, interval time.Duration, b Baseline) Compliance {
	c := Compliance{State: Compliant}
	if last == nil {
		c.add(Stale, "no report yet")
		return c
	}
	if age := now.Sub(lastSeen); age > 3*interval {
		c.add(Stale, "no report for %s (interval %s)", age.Round(time.Second), interval)
	}
	lifetimeRules(&c, now, last.Claims.Lifetime)
	for _, r := range Vulnerabilities(now, last.Claims.Patch, b) {
		c.add(Vulnerable, "%s", r)
	}
	enforcementRules(&c, last.Claims.Enforcement)
	return c
}

func lifetimeRules(c *Compliance, now time.Time, l Lifetime) {
	if !l.TerminateBy.IsZero() && now.After(l.TerminateBy) {
		c.add(Critical, "past terminate-by %s", l.TerminateBy.Format(time.RFC3339))
	}
	if !l.DrainBy.IsZero() && now.After(l.DrainBy) && !l.Draining {
		c.add(Noncompliant, "past drain-by %s and not draining", l.DrainBy.Format(time.RFC3339))
	}
	if l.DrainBy.IsZero() || l.DrainBy.Sub(l.LaunchTime) > MaxDrainAfter {
		c.add(Noncompliant, "drain-by is not within 14 days of launch")
	}
	if l.TerminateBy.IsZero() || l.TerminateBy.Sub(l.LaunchTime) > MaxTerminateAfter {
		c.add(Noncompliant, "terminate-by is not within 21 days of launch")
	}
}

func enforcementRules(c *Compliance, e Enforcement) {
	if e.SELinuxMode != "enforcing" {
		c.add(Noncompliant, "selinux is %s, not enforcing", cmp.Or(e.SELinuxMode, "unknown"))
	}
	for _, f := range slices.Sorted(mapKeys(e.Families)) {
		if e.Families[f] == ModeOff {
			c.add(Noncompliant, "rule family %s is off", f)
		}
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Vulnerabilities lists why a patch level is below the baseline; none
// means it is not. An instance with any is drained early as vulnerable.
func Vulnerabilities(now time.Time, p Patch, b Baseline) []string {
	var out []string
	if b.MinKernel != "" && CompareVersions(p.KernelRelease, b.MinKernel) < 0 {
		out = append(out, fmt.Sprintf("kernel %s is below the baseline %s", p.KernelRelease, b.MinKernel))
	}
	if len(b.AllowedOS) > 0 && !slices.Contains(b.AllowedOS, p.OSID+" "+p.OSVersionID) {
		out = append(out, fmt.Sprintf("os %s %s is not allowed", p.OSID, p.OSVersionID))
	}
	if b.MaxImageAge > 0 {
		switch {
		case p.ImageCreated.IsZero():
			out = append(out, "image creation time unknown")
		case now.Sub(p.ImageCreated) > b.MaxImageAge:
			out = append(out, fmt.Sprintf("image older than %s", b.MaxImageAge))
		}
	}
	return out
}

// CompareVersions compares kernel releases by their leading numeric parts
// ("6.1.0-27-amd64" is 6 1 0 27; the flavour is not a number): -1, 0 or 1.
func CompareVersions(a, b string) int {
	return slices.Compare(versionParts(a), versionParts(b))
}

func versionParts(v string) []int {
	var out []int
	for f := range strings.FieldsFuncSeq(v, func(r rune) bool { return strings.ContainsRune(".-+~_", r) }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			break
		}
		out = append(out, n)
	}
	return out
}
