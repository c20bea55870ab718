package instance

import (
	"path/filepath"
	"strings"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// Where the instance finds what the caller gives.
const (
	MoatConfigPath       = "/etc/moat/config.yaml"
	ContainerdConfigPath = "/etc/containerd/config.toml"
	UnitsPath            = "/etc/moat-supervise/units.yaml"
	ContainerdConfDir    = "/etc/containerd/conf.d" // *.toml imported by the default config
	// RuntimePath is moat-runtime's place (as containerd/config's
	// containerd-moat.toml says): the CRI runc runtime's BinaryName, and
	// first in containerd's PATH so that ctr's containers run it as "runc".
	RuntimePath = "/usr/libexec/moat/runc"
)

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
// RuntimePath's folder first in its PATH (and so its shims').
func ContainerdUnit() guest.Unit {
	return guest.Unit{Name: "containerd", Command: "/usr/bin/containerd", Args: []string{"--config", ContainerdConfigPath},
		Env:  []string{"PATH=" + filepath.Dir(RuntimePath) + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Type: guest.TypeNotify, Restart: guest.RestartAlways, DependsOn: []string{"network"}}
}

// ImagesUnit imports the busybox image into containerd's namespaces
// ("default" when none is named) once containerd is ready; each import
// costs seconds under TCG.
func ImagesUnit(namespaces ...string) guest.Unit {
	if len(namespaces) == 0 {
		namespaces = []string{"default"}
	}
	var cmds []string
	for _, ns := range namespaces {
		cmds = append(cmds, "ctr -n "+ns+" images import "+BusyboxImagePath)
	}
	return guest.Unit{Name: "images", Command: "/bin/sh", Type: guest.TypeOneshot, DependsOn: []string{"containerd"},
		Args: []string{"-c", strings.Join(cmds, " && ")}}
}

// MoatdUnit runs moatd as issue 7 describes its systemd unit; it starts
// with the image import, both after containerd.
func MoatdUnit() guest.Unit {
	return guest.Unit{Name: "moatd", Command: "/usr/bin/moatd", Args: []string{"--config", MoatConfigPath},
		Type: guest.TypeNotify, Restart: guest.RestartAlways, Watchdog: 30, DependsOn: []string{"containerd"}}
}

// DefaultUnits is the managed instance: network, containerd, the image
// import, then moatd.
func DefaultUnits() []guest.Unit {
	return []guest.Unit{NetworkUnit(), ContainerdUnit(), ImagesUnit(), MoatdUnit()}
}

// NewUnit is a unit with the given type and arguments; set Restart,
// Watchdog and DependsOn on the result.
func NewUnit(name, command, typ string, args ...string) guest.Unit {
	return guest.Unit{Name: name, Command: command, Type: typ, Args: args}
}
