package policy

import "fmt"

// Rule names the check a violation comes from; docs/admission.md has the
// table.
type Rule string

// The rules.
const (
	RuleSettings          Rule = "settings"
	RuleSpec              Rule = "spec"
	RuleCapabilities      Rule = "capabilities"
	RuleUnknownCapability Rule = "unknown-capability"
	RulePrivileged        Rule = "privileged"
	RuleHostNamespace     Rule = "host-namespace"
	RuleDevices           Rule = "devices"
	RuleWritableSys       Rule = "writable-sys"
	RuleWritableProcSys   Rule = "writable-proc-sys"
	RuleKernelFS          Rule = "kernel-filesystem"
	RuleHostPath          Rule = "host-path"
	RuleSELinux           Rule = "selinux"
	RuleSeccomp           Rule = "seccomp"
	RulePlacement         Rule = "placement"
)

// Violation is one reason to deny.
type Violation struct {
	Rule Rule `json:"rule"`
	// Asked is what the spec asks for, such as "CAP_NET_ADMIN (in bounding)"
	// or "shares the host's network namespace (...)".
	Asked string `json:"asked"`
	// Reason is the full sentence: what was asked, what the provider
	// allows, and the setting to change.
	Reason string `json:"reason"`
	// RequiresAll is true when only privilegedCapabilities: ALL admits
	// what was asked (privilege beyond capabilities).
	RequiresAll bool `json:"requiresAll,omitempty"`
}

// finding is something in the spec that requires ALL.
type finding struct {
	rule Rule
	what string // "shares the host's PID namespace (linux.namespaces has no \"pid\" entry)"
}

func (f finding) violation(s *Settings) Violation {
	return Violation{Rule: f.rule, Asked: f.what, RequiresAll: true, Reason: requiresAllReason(s, f.what, "requires")}
}

func requiresAllReason(s *Settings, what, verb string) string {
	return fmt.Sprintf("container %s, which %s %s; capacity provider %q allows %s; set %s to %s",
		what, verb, AllKeyword, s.Name, s.Allowed(), fieldPath("privilegedCapabilities"), AllKeyword)
}
