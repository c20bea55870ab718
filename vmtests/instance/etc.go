package instance

import (
	"path/filepath"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// Where the instance finds what the caller gives.
const (
	MoatConfigPath       = "/etc/moat/config.yaml"
	ContainerdConfigPath = "/etc/containerd/config.toml"
	UnitsPath            = "/etc/moat-supervise/units.yaml"
	ContainerdConfDir    = "/etc/containerd/conf.d" // *.toml imported by the default config
	// RuntimePath is the runtime's place (as containerd/config's
	// containerd-moat.toml says): the CRI runc runtime's BinaryName, and
	// first in containerd's PATH so that ctr's containers run it as "runc".
	// It is moat-runc, the front (containerd/runtime/front), which runs
	// moat-runtime from beside it: WrapperPath.
	RuntimePath = "/usr/libexec/moat/runc"
	WrapperPath = "/usr/libexec/moat/moat-runtime"
)

// RuntimeFiles places the runtime: the front (a host path to moat-runc)
// at RuntimePath, and the wrapper (moat-runtime) beside it.
func RuntimeFiles(front, wrapper string) []File {
	return []File{{Host: front, Guest: RuntimePath}, {Host: wrapper, Guest: WrapperPath}}
}

// The instance's network: QEMU's user-mode network, isolated
// (restrict=on); only AttestAddr's forwarded ports reach the host.
const (
	GuestAddr  = "10.0.2.15"
	AttestAddr = "10.0.2.100"
	AttestHost = "attest.moat.internal" // AttestAddr in /etc/hosts
)

const (
	passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	group  = "root:x:0:\nnogroup:x:65534:\n"
	hosts  = "127.0.0.1 localhost moat-instance\n" + AttestAddr + " " + AttestHost + "\n"
)

// DefaultContainerdConfig runs the runc runtime through moat-runtime
// (containerd 2.x, config version 3), keeps NRI on and imports
// ContainerdConfDir/*.toml: put containerd/config/containerd-moat.toml
// there through Spec.Files.
const DefaultContainerdConfig = `version = 3
root = "/var/lib/containerd"
state = "/run/containerd"
imports = ["` + ContainerdConfDir + `/*.toml"]
# plugins that cannot work on this instance (/opt is read-only; no zfs,
# btrfs or devmapper pools)
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.blockfile"]

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.cri.v1.runtime".containerd]
  default_runtime_name = "runc"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  BinaryName = "` + RuntimePath + `"

[plugins."io.containerd.nri.v1.nri"]
  disable = false
  socket_path = "/var/run/nri/nri.sock"
`

// NetworkUnit brings up lo and eth0 (static address, no DHCP).
func NetworkUnit() guest.Unit {
	return guest.Unit{Name: "network", Command: "/bin/sh", Type: guest.TypeOneshot, Args: []string{"-c",
		"ip link set lo up && ip link set eth0 up && ip addr add " + GuestAddr + "/24 dev eth0 && ip route add default via 10.0.2.2"}}
}

// ContainerdUnit runs containerd, which speaks sd_notify, with
// RuntimePath's folder first in its PATH (and so its shims'). In the
// default units it starts after moatd, as dist/moatd.service orders it:
// moatd loads the SELinux policy, and containerd, started after, enters
// moat_runtime_t from its moat_runtime_exec_t label.
func ContainerdUnit() guest.Unit {
	return guest.Unit{Name: "containerd", Command: "/usr/bin/containerd", Args: []string{"--config", ContainerdConfigPath},
		Env:  []string{"PATH=" + filepath.Dir(RuntimePath) + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Type: guest.TypeNotify, Restart: guest.RestartAlways, DependsOn: []string{"network"}}
}

// ImagesUnit imports the busybox image into containerd's default
// namespace once containerd is ready (seconds under TCG). It runs ctr
// itself: moatd's exec family refuses a shell in the host context.
func ImagesUnit() guest.Unit {
	return guest.Unit{Name: "images", Command: "/usr/bin/ctr", Type: guest.TypeOneshot, DependsOn: []string{"containerd"},
		Args: []string{"-n", "default", "images", "import", BusyboxImagePath}}
}

// MoatdUnit runs moatd as dist/moatd.service does, after the network.
func MoatdUnit() guest.Unit {
	return guest.Unit{Name: "moatd", Command: "/usr/bin/moatd", Args: []string{"--config", MoatConfigPath},
		Type: guest.TypeNotify, Restart: guest.RestartAlways, Watchdog: 30, DependsOn: []string{"network"}}
}

// DefaultUnits is the managed instance: network, moatd, then containerd
// and the image import.
func DefaultUnits() []guest.Unit {
	ctrd := ContainerdUnit()
	ctrd.DependsOn = append(ctrd.DependsOn, "moatd")
	return []guest.Unit{NetworkUnit(), MoatdUnit(), ctrd, ImagesUnit()}
}

// DefaultFileContexts labels every file of the image moat_os_file_t (a
// file without a label would be unlabeled, not the filesystem's label),
// and the container runtime's programs moat_runtime_exec_t, from which
// the kernel domain enters moat_runtime_t (policy/selinux/cil/runtime.cil).
// Exact paths win over the pattern.
const DefaultFileContexts = `/.*	system_u:object_r:moat_os_file_t:s0
/usr/bin/containerd	system_u:object_r:moat_runtime_exec_t:s0
/usr/bin/containerd-shim-runc-v2	system_u:object_r:moat_runtime_exec_t:s0
/usr/sbin/runc	system_u:object_r:moat_runtime_exec_t:s0
` + RuntimePath + `	system_u:object_r:moat_runtime_exec_t:s0
` + WrapperPath + `	system_u:object_r:moat_runtime_exec_t:s0
`

// DefaultDataLabels label the data disk's folders for moat's policy: the
// skeleton (and the /var/run link) as the OS, containerd's root as the runtime's state (the
// policy names its snapshots task files), moat's state and audit log as
// moat's state.
func DefaultDataLabels() []guest.PathLabel {
	const osFile, runtime, state = "system_u:object_r:moat_os_file_t:s0", "system_u:object_r:moat_runtime_state_t:s0",
		"system_u:object_r:moat_state_t:s0"
	return []guest.PathLabel{
		{Path: "/var", Context: osFile}, {Path: "/var/run", Context: osFile},
		{Path: "/var/lib", Context: osFile}, {Path: "/var/log", Context: osFile},
		{Path: "/var/lib/containerd", Context: runtime},
		{Path: "/var/lib/moat", Context: state}, {Path: "/var/log/moat", Context: state},
	}
}

// NewUnit is a unit with the given type and arguments; set Restart,
// Watchdog and DependsOn on the result.
func NewUnit(name, command, typ string, args ...string) guest.Unit {
	return guest.Unit{Name: name, Command: command, Type: typ, Args: args}
}
