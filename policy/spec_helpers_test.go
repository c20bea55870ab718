package policy

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64 { return &v }

var defaultCapNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// baseSpec is what containerd's default spec looks like with a runtime
// default seccomp profile: every namespace, default capabilities, read-only
// sysfs and cgroupfs, masked and read-only /proc paths.
func baseSpec() *specs.Spec {
	caps := func() []string { return append([]string(nil), defaultCapNames...) }
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Args: []string{"/bin/sh"}, Cwd: "/",
			Capabilities: &specs.LinuxCapabilities{Bounding: caps(), Effective: caps(), Permitted: caps()},
		},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "task",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
			{Destination: "/etc/resolv.conf", Type: "bind", Source: "/var/lib/app/resolv.conf", Options: []string{"rbind", "ro"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
				{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.CgroupNamespace},
			},
			Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
				{Allow: false, Access: "rwm"},
				{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"},
				{Allow: true, Type: "c", Major: i64(5), Minor: i64(0), Access: "rwm"},
				{Allow: true, Type: "c", Major: i64(136), Access: "rwm"},
			}},
			Seccomp: &specs.LinuxSeccomp{
				DefaultAction: specs.ActErrno,
				Architectures: []specs.Arch{specs.ArchX86_64},
				Syscalls:      []specs.LinuxSyscall{{Names: []string{"read", "write", "openat", "exit_group"}, Action: specs.ActAllow}},
			},
			MaskedPaths:   []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"},
			ReadonlyPaths: []string{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

type specMod func(*specs.Spec)

func withCaps(set string, names ...string) specMod {
	return func(s *specs.Spec) {
		c := s.Process.Capabilities
		for _, k := range set {
			ptr := map[rune]*[]string{'b': &c.Bounding, 'e': &c.Effective, 'i': &c.Inheritable, 'p': &c.Permitted, 'a': &c.Ambient}[k]
			*ptr = append(*ptr, names...)
		}
	}
}

func allCapsSpec(s *specs.Spec) {
	all := AllCaps.Names()
	s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: all, Effective: all, Permitted: all}
}

func withoutNamespace(t specs.LinuxNamespaceType) specMod {
	return func(s *specs.Spec) {
		var out []specs.LinuxNamespace
		for _, ns := range s.Linux.Namespaces {
			if ns.Type != t {
				out = append(out, ns)
			}
		}
		s.Linux.Namespaces = out
	}
}

func joinNamespace(t specs.LinuxNamespaceType, path string) specMod {
	return func(s *specs.Spec) {
		for i := range s.Linux.Namespaces {
			if s.Linux.Namespaces[i].Type == t {
				s.Linux.Namespaces[i].Path = path
			}
		}
	}
}

func withDeviceRule(d specs.LinuxDeviceCgroup) specMod {
	return func(s *specs.Spec) { s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, d) }
}

func withDevice(d specs.LinuxDevice) specMod {
	return func(s *specs.Spec) { s.Linux.Devices = append(s.Linux.Devices, d) }
}

func withMount(m specs.Mount) specMod {
	return func(s *specs.Spec) { s.Mounts = append(s.Mounts, m) }
}

func bind(src, dst string, opts ...string) specMod {
	return withMount(specs.Mount{Destination: dst, Type: "bind", Source: src, Options: append([]string{"rbind"}, opts...)})
}

func setMountOptions(dest string, opts ...string) specMod {
	return func(s *specs.Spec) {
		for i := range s.Mounts {
			if s.Mounts[i].Destination == dest {
				s.Mounts[i].Options = opts
			}
		}
	}
}

func withReadonlyPaths(paths ...string) specMod {
	return func(s *specs.Spec) { s.Linux.ReadonlyPaths = paths }
}

func withLabel(l string) specMod { return func(s *specs.Spec) { s.Process.SelinuxLabel = l } }

func withSeccomp(sc *specs.LinuxSeccomp) specMod { return func(s *specs.Spec) { s.Linux.Seccomp = sc } }

func capsExcept(caps ...Capability) specMod {
	return func(s *specs.Spec) {
		n := (AllCaps &^ CapSetOf(caps...)).Names()
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: n, Effective: n, Permitted: n}
	}
}
