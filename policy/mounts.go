package policy

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// kernelFilesystems reach kernel state no task should touch, read-only or
// not: BPF pins (moat's own), tracing, LSM and firmware interfaces, the
// host's devices.
var kernelFilesystems = map[string]bool{
	"bpf": true, "debugfs": true, "tracefs": true, "securityfs": true,
	"configfs": true, "efivarfs": true, "devtmpfs": true, "binfmt_misc": true,
	"fusectl": true, "pstore": true, "selinuxfs": true,
}

// mountFindings reports writable sysfs and cgroupfs, procfs mounted
// writable outside /proc, kernel filesystems, and binds of protected host
// paths.
func mountFindings(spec *specs.Spec, req *Request, h *Host) []finding {
	var fs []finding
	for i, m := range spec.Mounts {
		ro := hasOption(m.Options, "ro") || hasOption(m.Options, "rro")
		dest := path.Clean(m.Destination)
		switch {
		case kernelFilesystems[m.Type]:
			fs = append(fs, finding{rule: RuleKernelFS, what: fmt.Sprintf(
				"mounts the kernel filesystem %s at %s (mounts[%d])", m.Type, dest, i)})
		case (m.Type == "sysfs" || m.Type == "cgroup" || m.Type == "cgroup2") && !ro:
			fs = append(fs, finding{rule: RuleWritableSys, what: fmt.Sprintf(
				"mounts %s writable at %s (mounts[%d] has no \"ro\" option)", m.Type, dest, i)})
		case m.Type == "proc" && dest != "/proc" && !ro:
			fs = append(fs, finding{rule: RuleWritableProcSys, what: fmt.Sprintf(
				"mounts proc writable at %s, so %s/sys is writable (mounts[%d] has no \"ro\" option)", dest, dest, i)})
		case isBind(m):
			if what, ok := sensitiveBind(m, ro, req, h); ok {
				fs = append(fs, finding{rule: RuleHostPath, what: fmt.Sprintf(
					"bind-mounts %s (mounts[%d]: %s at %s%s)", what, i, m.Source, m.Destination, roSuffix(ro))})
			}
		}
	}
	return fs
}

func roSuffix(ro bool) string {
	if ro {
		return ", read-only"
	}
	return ", writable"
}

func isBind(m specs.Mount) bool {
	return m.Type == "bind" || hasOption(m.Options, "bind") || hasOption(m.Options, "rbind")
}

func hasOption(opts []string, o string) bool {
	return slices.Contains(opts, o)
}

// sensitiveBind says whether a bind source is a protected host path, an
// ancestor of one, or under one (depending on the path's mode).
func sensitiveBind(m specs.Mount, ro bool, req *Request, h *Host) (string, bool) {
	src := m.Source
	if !path.IsAbs(src) {
		if c := path.Clean(src); c == ".." || strings.HasPrefix(c, "../") {
			return "a path outside the bundle", true
		}
		return "", false // inside the bundle
	}
	src = path.Clean(src)
	if src == "/" {
		return "the host's root filesystem", true
	}
	if h.ownState(src, req) {
		return "", false
	}
	for _, p := range fixedProtected {
		if protects(p, src, ro) {
			return describeBind(src, p.path), true
		}
	}
	for _, list := range h.extraProtected() {
		for _, p := range list {
			if p != "" && protects(protectedPath{p, protectAll}, src, ro) {
				return describeBind(src, p), true
			}
		}
	}
	return "", false
}

func protects(p protectedPath, src string, ro bool) bool {
	below := under(src, p.path)
	related := below || src == p.path || under(p.path, src)
	switch p.mode {
	case protectWrite:
		return related && !ro
	case protectTree:
		return related && (!below || !ro)
	}
	return related
}

func describeBind(src, protected string) string {
	if under(protected, src) {
		return "the host's " + src + ", holding " + protected
	}
	return "the host's " + protected
}

// under reports whether p is strictly below dir; both are clean and
// absolute.
func under(p, dir string) bool {
	if dir == "/" {
		return len(p) > 1 && p[0] == '/'
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

func (h *Host) extraProtected() [4][]string {
	return [4][]string{{h.ContainerdRoot}, {h.ContainerdState}, {h.DockerRoot}, h.Protected}
}

// cleaned returns h with every path clean and absolute and the empty ones
// taken from DefaultHost, so that the checks per mount need not clean them
// again. Protected is copied only when one of its paths changes.
func (h *Host) cleaned() Host {
	c := *h
	c.ContainerdRoot = cleanAbs(cmp.Or(h.ContainerdRoot, DefaultHost.ContainerdRoot))
	c.ContainerdState = cleanAbs(cmp.Or(h.ContainerdState, DefaultHost.ContainerdState))
	c.DockerRoot = cleanAbs(cmp.Or(h.DockerRoot, DefaultHost.DockerRoot))
	copied := false
	for i, p := range h.Protected {
		if cp := cleanAbs(p); cp != p {
			if !copied {
				c.Protected, copied = slices.Clone(h.Protected), true
			}
			c.Protected[i] = cp
		}
	}
	return c
}

// cleanAbs cleans an absolute path; a relative one is taken from /. It
// does not allocate for a path that is already clean.
func cleanAbs(p string) string {
	if p == "" {
		return ""
	}
	if p[0] != '/' {
		p = "/" + p
	}
	return path.Clean(p)
}

// The folders of containerd's CRI plugin under its root and state.
const (
	criSandboxes  = "io.containerd.grpc.v1.cri/sandboxes"
	criContainers = "io.containerd.grpc.v1.cri/containers"
)

// ownState: the per-pod and per-container files that containerd's CRI
// plugin and dockerd bind into a container (hosts, resolv.conf, shm, image
// volumes), and docker's named volumes. A pod's files are its own only.
func (h *Host) ownState(src string, req *Request) bool {
	for _, root := range []string{h.ContainerdRoot, h.ContainerdState} {
		rest, ok := cutDir(src, root)
		if !ok {
			continue
		}
		if req.Task.Source == TaskFromCRI && belowID(rest, criSandboxes, req.Task.ID) {
			return true
		}
		if belowID(rest, criContainers, req.ContainerID) {
			return true
		}
	}
	rest, ok := cutDir(src, h.DockerRoot)
	return ok && (belowID(rest, "containers", req.ContainerID) || dockerVolume(rest))
}

// cutDir returns what follows dir/ in p.
func cutDir(p, dir string) (string, bool) {
	if dir == "" || !under(p, dir) {
		return "", false
	}
	if dir == "/" {
		return p[1:], true
	}
	return p[len(dir)+1:], true
}

// belowID reports whether rel is strictly below dir/id, where id is one
// non-empty path component.
func belowID(rel, dir, id string) bool {
	if id == "" || id == "." || id == ".." || strings.Contains(id, "/") {
		return false
	}
	rest, ok := strings.CutPrefix(rel, dir)
	if !ok || len(rest) == 0 || rest[0] != '/' {
		return false
	}
	rest = rest[1:]
	return len(rest) > len(id)+1 && rest[len(id)] == '/' && rest[:len(id)] == id
}

// dockerVolume: volumes/<name>/_data and below.
func dockerVolume(rel string) bool {
	rest, ok := strings.CutPrefix(rel, "volumes/")
	if !ok {
		return false
	}
	name, data, _ := strings.Cut(rest, "/")
	return name != "" && (data == "_data" || strings.HasPrefix(data, "_data/"))
}
