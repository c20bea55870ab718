package policy

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Host describes the host paths admission protects beyond the fixed list
// of docs/admission.md (which includes moat's own state). The zero value
// and DefaultHost fit a stock install; a test harness with its own
// containerd root sets its own. An empty field takes DefaultHost's value,
// so no field can switch a protection off.
type Host struct {
	// ContainerdRoot and ContainerdState are containerd's root and state
	// folders. Both are protected, except the per-task folders the CRI
	// plugin binds into a pod's containers (sandboxes/<pod>/...) and the
	// per-container folders (containers/<id>/...).
	ContainerdRoot  string
	ContainerdState string
	// DockerRoot is dockerd's data root: protected, except its per-container
	// files (containers/<id>/...) and named volumes (volumes/<name>/_data).
	DockerRoot string
	// Protected lists more paths that no container may bind, read-only or
	// not, such as a moat state folder moved by configuration.
	Protected []string
	// IsHostNamespace, if set, says whether a namespace path the spec
	// joins is the host's (for instance by comparing its inode with
	// /proc/1/ns/<type>). Paths under /proc/1/ns, /proc/self/ns and
	// /proc/thread-self/ns are the host's without asking it.
	IsHostNamespace func(typ specs.LinuxNamespaceType, path string) bool
}

// DefaultHost is used when a Request has no Host, and fills a Host's empty
// fields.
var DefaultHost = Host{
	ContainerdRoot:  "/var/lib/containerd",
	ContainerdState: "/run/containerd",
	DockerRoot:      "/var/lib/docker",
}

// protectMode says when a bind of a path related to a protected one is
// sensitive.
type protectMode uint8

const (
	// protectAll: binding the path, an ancestor or anything under it.
	protectAll protectMode = iota
	// protectTree: binding the path or an ancestor; under it only writable.
	protectTree
	// protectWrite: writable binds of the path, an ancestor or under it.
	protectWrite
)

type protectedPath struct {
	path string
	mode protectMode
}

// fixedProtected are the host paths protected on every host. /var/run
// paths are listed beside /run ones because admission cannot follow the
// symlink.
var fixedProtected = []protectedPath{
	{"/proc", protectAll}, {"/sys", protectAll}, {"/dev", protectAll},
	{"/boot", protectAll}, {"/lib/modules", protectAll}, {"/usr/lib/modules", protectAll},
	{"/root", protectAll},
	{"/etc", protectTree},
	{"/etc/shadow", protectAll}, {"/etc/gshadow", protectAll},
	{"/etc/sudoers", protectAll}, {"/etc/sudoers.d", protectAll},
	{"/etc/ssh", protectAll}, {"/etc/containerd", protectAll}, {"/etc/docker", protectAll},
	{"/run/containerd", protectAll}, {"/var/run/containerd", protectAll},
	{"/run/docker.sock", protectAll}, {"/var/run/docker.sock", protectAll},
	{"/run/docker", protectAll}, {"/var/run/docker", protectAll},
	{"/run/runc", protectAll}, {"/var/run/runc", protectAll},
	{"/run/systemd", protectAll}, {"/var/run/systemd", protectAll},
	{"/run/dbus", protectAll}, {"/var/run/dbus", protectAll},
	{"/var/lib/moat", protectAll}, {"/run/moat", protectAll}, {"/var/run/moat", protectAll},
	{"/etc/moat", protectAll},
	{"/usr", protectWrite}, {"/bin", protectWrite}, {"/sbin", protectWrite},
	{"/lib", protectWrite}, {"/lib64", protectWrite}, {"/opt", protectWrite},
}
