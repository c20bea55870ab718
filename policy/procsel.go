package policy

import (
	"fmt"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// procWritable are the /proc paths a container must not write: the host's
// sysctls and the magic SysRq trigger.
var procWritable = []string{"/proc/sys", "/proc/sysrq-trigger"}

// procSysFinding: a writable proc at /proc whose /proc/sys or
// /proc/sysrq-trigger is neither read-only nor masked.
func procSysFinding(spec *specs.Spec) (finding, bool) {
	at := -1
	for i, m := range spec.Mounts {
		if m.Type == "proc" && path.Clean(m.Destination) == "/proc" &&
			!hasOption(m.Options, "ro") && !hasOption(m.Options, "rro") {
			at = i
		}
	}
	if at < 0 {
		return finding{}, false
	}
	var open []string
	for _, p := range procWritable {
		if !coveredBy(p, spec.Linux) {
			open = append(open, p)
		}
	}
	if len(open) == 0 {
		return finding{}, false
	}
	return finding{rule: RuleWritableProcSys, what: fmt.Sprintf(
		"can write %s (mounts[%d] is proc at /proc, and linux.readonlyPaths and linux.maskedPaths do not cover %s)",
		joinAnd(open), at, pronounFor(len(open)))}, true
}

func pronounFor(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func coveredBy(p string, l *specs.Linux) bool {
	if l == nil {
		return false
	}
	for _, list := range [][]string{l.ReadonlyPaths, l.MaskedPaths} {
		for _, q := range list {
			if q = cleanAbs(q); p == q || under(p, q) {
				return true
			}
		}
	}
	return false
}

// unconfinedTypes are SELinux types that escape confinement: unconfined
// domains, the super-privileged container type, the runtime's and init's.
var unconfinedTypes = map[string]bool{
	"unconfined_t": true, "spc_t": true, "unconfined_service_t": true,
	"container_runtime_t": true, "kernel_t": true, "init_t": true, "initrc_t": true,
}

// selinuxFinding: a process label that asks for an unconfined type, or for
// every MCS category (which would read every task's files).
func selinuxFinding(p *specs.Process) (finding, bool) {
	if p == nil || p.SelinuxLabel == "" {
		return finding{}, false
	}
	parts := strings.SplitN(p.SelinuxLabel, ":", 4)
	switch {
	case len(parts) >= 3 && unconfinedTypes[parts[2]]:
		return finding{rule: RuleSELinux, what: fmt.Sprintf(
			"asks for the unconfined SELinux type %s (process.selinuxLabel %q)", parts[2], p.SelinuxLabel)}, true
	case len(parts) == 4 && strings.Contains(parts[3], "c0.c1023"):
		return finding{rule: RuleSELinux, what: fmt.Sprintf(
			"asks for every SELinux category (process.selinuxLabel %q)", p.SelinuxLabel)}, true
	}
	return finding{}, false
}

// seccompFinding: no seccomp profile at all, or one that allows every
// syscall (default action allow or log, and no rule that does otherwise).
func seccompFinding(l *specs.Linux) (finding, bool) {
	if l == nil || l.Seccomp == nil {
		return finding{rule: RuleSeccomp, what: "runs without seccomp (linux.seccomp is absent)"}, true
	}
	if !permissive(l.Seccomp.DefaultAction) {
		return finding{}, false
	}
	for _, sc := range l.Seccomp.Syscalls {
		if !permissive(sc.Action) {
			return finding{}, false
		}
	}
	return finding{rule: RuleSeccomp, what: fmt.Sprintf(
		"runs with a seccomp profile that allows every syscall (linux.seccomp.defaultAction %s and no rule that denies)",
		l.Seccomp.DefaultAction)}, true
}

func permissive(a specs.LinuxSeccompAction) bool {
	return a == specs.ActAllow || a == specs.ActLog
}
