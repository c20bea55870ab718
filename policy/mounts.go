package policy

import (
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
			return "the host's " + p.path, true
		}
	}
	for _, p := range h.extraProtected() {
		if p != "" && protects(protectedPath{p, protectAll}, src, ro) {
			return "the host's " + p, true
		}
	}
	return "", false
}

func protects(p protectedPath, src string, ro bool) bool {
	under := strings.HasPrefix(src, p.path+"/")
	related := src == p.path || under || strings.HasPrefix(p.path, src+"/")
	switch p.mode {
	case protectWrite:
		return related && !ro
	case protectTree:
		return related && (!under || !ro)
	}
	return related
}

func (h *Host) extraProtected() []string {
	return append([]string{cleanAbs(h.ContainerdRoot), cleanAbs(h.ContainerdState), cleanAbs(h.DockerRoot)},
		h.Protected...)
}

func cleanAbs(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean("/" + p)
}

// ownState: the per-pod and per-container files that containerd's CRI
// plugin and dockerd bind into a container (hosts, resolv.conf, shm, image
// volumes), and docker's named volumes. A pod's files are its own only.
func (h *Host) ownState(src string, req *Request) bool {
	for _, root := range []string{h.ContainerdRoot, h.ContainerdState} {
		cri := cleanAbs(root) + "/io.containerd.grpc.v1.cri/"
		if root != "" && req.Task.Source == TaskFromCRI && below(src, cri+"sandboxes/", req.Task.ID) {
			return true
		}
		if root != "" && below(src, cri+"containers/", req.ContainerID) {
			return true
		}
	}
	if h.DockerRoot == "" {
		return false
	}
	d := cleanAbs(h.DockerRoot) + "/"
	return below(src, d+"containers/", req.ContainerID) || dockerVolume(src, d+"volumes/")
}

// below reports whether src is strictly below dir+id, where id is one
// non-empty path component.
func below(src, dir, id string) bool {
	if id == "" || strings.Contains(id, "/") || id == "." || id == ".." {
		return false
	}
	return strings.HasPrefix(src, dir+id+"/")
}

func dockerVolume(src, volumes string) bool {
	rest, ok := strings.CutPrefix(src, volumes)
	if !ok {
		return false
	}
	name, data, _ := strings.Cut(rest, "/")
	return name != "" && (data == "_data" || strings.HasPrefix(data, "_data/"))
}
