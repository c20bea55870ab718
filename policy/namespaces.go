package policy

import (
	"fmt"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hostSharedNamespaces are the namespaces whose sharing with the host grants
// privilege: the host's processes, IPC objects, network and filesystem.
var hostSharedNamespaces = []struct {
	typ  specs.LinuxNamespaceType
	name string
}{
	{specs.PIDNamespace, "PID"},
	{specs.IPCNamespace, "IPC"},
	{specs.NetworkNamespace, "network"},
	{specs.MountNamespace, "mount"},
}

// hostNamespaces reports the namespaces the container shares with the host:
// those with no entry in linux.namespaces, and those whose entry joins a
// path that is the host's.
func hostNamespaces(l *specs.Linux, h *Host) (finding, bool) {
	var names, missing, joined []string
	for _, ns := range hostSharedNamespaces {
		e, ok := namespaceEntry(l, ns.typ)
		switch {
		case !ok:
			names = append(names, ns.name)
			missing = append(missing, fmt.Sprintf("%q", ns.typ))
		case e.Path != "" && h.isHostNamespace(ns.typ, e.Path):
			names = append(names, ns.name)
			joined = append(joined, fmt.Sprintf("linux.namespaces %q joins %s", ns.typ, e.Path))
		}
	}
	if len(names) == 0 {
		return finding{}, false
	}
	var where []string
	if len(missing) > 0 {
		where = append(where, fmt.Sprintf("linux.namespaces has no %s %s", joinOr(missing), plural(len(missing), "entry")))
	}
	where = append(where, joined...)
	return finding{rule: RuleHostNamespace, what: fmt.Sprintf("shares the host's %s %s (%s)",
		joinAnd(names), plural(len(names), "namespace"), strings.Join(where, "; "))}, true
}

func namespaceEntry(l *specs.Linux, typ specs.LinuxNamespaceType) (specs.LinuxNamespace, bool) {
	if l == nil {
		return specs.LinuxNamespace{}, false
	}
	for _, ns := range l.Namespaces {
		if ns.Type == typ {
			return ns, true
		}
	}
	return specs.LinuxNamespace{}, false
}

// isHostNamespace: the namespaces of PID 1, and of the runtime itself
// (/proc/self, /proc/thread-self: runc joins paths from its own process,
// which is in the host's namespaces), and whatever Host.IsHostNamespace says.
func (h *Host) isHostNamespace(typ specs.LinuxNamespaceType, p string) bool {
	c := path.Clean(p)
	for _, prefix := range []string{"/proc/1/ns/", "/proc/self/ns/", "/proc/thread-self/ns/"} {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return h.IsHostNamespace != nil && h.IsHostNamespace(typ, p)
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func joinOr(xs []string) string {
	if len(xs) < 2 {
		return joinAnd(xs)
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func plural(n int, word string) string {
	switch {
	case n == 1:
		return word
	case strings.HasSuffix(word, "y"):
		return word[:len(word)-1] + "ies"
	}
	return word + "s"
}
