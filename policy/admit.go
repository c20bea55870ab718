package policy

import (
	"errors"
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrDenied is wrapped by Decision.Err for a denied container.
var ErrDenied = errors.New("admission denied")

// SELinuxLabels are the labels of a task, from the MCS allocator.
type SELinuxLabels struct {
	Process string `json:"process"` // the process label, such as "system_u:system_r:moat_task_t:s0:c1,c2"
	Mount   string `json:"mount"`   // the mount (file) label of the task's files
}

// LiveTasks is the live placement state: task id to the number of its live
// containers (created and not yet deleted). A task with 0 is not live.
type LiveTasks map[string]int

// Request is everything admission looks at for one container.
type Request struct {
	ContainerID string        `json:"containerID"`
	Spec        *specs.Spec   `json:"spec"`
	Task        Task          `json:"task"`   // from IdentifyTask
	Labels      SELinuxLabels `json:"labels"` // the task's labels, applied when allowed
	Live        LiveTasks     `json:"live"`   // the tasks with live containers, before this one
	Host        *Host         `json:"-"`      // host paths; nil means DefaultHost
}

// Adjustments are what the caller applies to an admitted container.
type Adjustments struct {
	ProcessLabel string `json:"processLabel"` // written to process.selinuxLabel
	MountLabel   string `json:"mountLabel"`   // written to linux.mountLabel
	// PrivilegedCaps are the container's capabilities outside DefaultCaps
	// (union of its five sets), to register in the BPF capability gate.
	PrivilegedCaps CapSet `json:"privilegedCaps"`
}

// Decision is the outcome of Admit.
type Decision struct {
	Allowed     bool        `json:"allowed"`
	Adjustments Adjustments `json:"adjustments"`          // set when Allowed
	Violations  []Violation `json:"violations,omitempty"` // set when denied, in a stable order
	Reason      string      `json:"reason,omitempty"`     // every violation's reason, for the user
}

// Err is nil for an allowed container, else an error wrapping ErrDenied
// whose text is the reason.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrDenied, d.Reason)
}

// Admit decides whether a container may be created under the settings. It
// is a pure function of its arguments: it reads no file and keeps no state.
// It denies every capability outside DefaultCaps that the settings do not
// list, everything in the spec that grants privilege beyond capabilities
// unless the settings say ALL, and a second task under single-task
// placement. A nil settings or spec is denied.
func Admit(s *Settings, req Request) Decision {
	switch {
	case s == nil:
		return deny(Violation{Rule: RuleSettings, Reason: "no capacity provider settings: moatd admits nothing without them"})
	case req.Spec == nil:
		return deny(Violation{Rule: RuleSpec, Reason: "container has no OCI spec"})
	}
	host := &DefaultHost
	if req.Host != nil {
		host = req.Host
	}
	h := host.cleaned()
	use := scanCapabilities(req.Spec.Process)
	var vs []Violation
	if !s.AllowAll {
		vs = append(vs, capabilityViolations(s, use)...)
		for _, f := range privilegeFindings(req.Spec, &req, &h) {
			vs = append(vs, f.violation(s))
		}
	}
	if v, ok := placementViolation(s, &req); ok {
		vs = append(vs, v)
	}
	if len(vs) > 0 {
		return denyUnder(s, vs)
	}
	return Decision{Allowed: true, Adjustments: Adjustments{
		ProcessLabel:   req.Labels.Process,
		MountLabel:     req.Labels.Mount,
		PrivilegedCaps: use.union & PrivilegedCaps,
	}}
}

func deny(vs ...Violation) Decision {
	return Decision{Violations: vs, Reason: joinReasons(reasonsOf(vs))}
}

// denyUnder gives the reason of several violations that require ALL as one
// sentence, so the provider and the setting are said once.
func denyUnder(s *Settings, vs []Violation) Decision {
	var all []string
	for _, v := range vs {
		if v.RequiresAll {
			all = append(all, v.Asked)
		}
	}
	if len(all) < 2 {
		return deny(vs...)
	}
	var reasons []string
	merged := false
	for _, v := range vs {
		switch {
		case !v.RequiresAll:
			reasons = append(reasons, v.Reason)
		case !merged:
			reasons, merged = append(reasons, requiresAllReason(s, joinAnd(all), "each require")), true
		}
	}
	return Decision{Violations: vs, Reason: joinReasons(reasons)}
}

func reasonsOf(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Reason
	}
	return out
}

func joinReasons(reasons []string) string {
	if len(reasons) == 1 {
		return reasons[0]
	}
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("(%d) %s", i+1, r)
	}
	return fmt.Sprintf("%d problems: %s", len(reasons), strings.Join(parts, "; "))
}

// Apply writes the adjustments into spec: process.selinuxLabel and
// linux.mountLabel, creating the sections if they are missing. A nil spec
// is left alone.
func Apply(spec *specs.Spec, a Adjustments) {
	if spec == nil {
		return
	}
	if spec.Process == nil {
		spec.Process = &specs.Process{}
	}
	if spec.Linux == nil {
		spec.Linux = &specs.Linux{}
	}
	spec.Process.SelinuxLabel = a.ProcessLabel
	spec.Linux.MountLabel = a.MountLabel
}
