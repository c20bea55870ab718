// Package runtime is moat's OCI runtime wrapper: containerd runs it in
// place of runc (the runc runtime's BinaryName option), so every container
// that any containerd client creates passes through it.
//
// It parses runc's global flags and verb. On create it asks moatd to
// admit the command line (moatd reads the bundle's config.json strictly,
// decides and writes the SELinux labels into it: package
// containerd/backend's Runtime), runs the real runc create with any
// arguments moatd added, then asks moatd to register the container
// (moatd reads the pid file and the cgroup v2 id of the init process)
// before returning, so policy is in place before runc start runs the
// first user instruction. If moatd cannot be reached or does not
// explicitly allow, or if registration fails (the container is then
// deleted), create fails and the reason goes both to stderr and, as a
// runc-style JSON error entry, to the --log file, where containerd's
// shim reads it into the error the client prints ("OCI runtime create
// failed: moat: ..."). The front, moat-runc, does the same in C for
// the creates whose verb it can tell, which is all of containerd's.
//
// The package also holds what moatd uses on those calls: the command
// line's parsers, the strict spec reader, ApplyLabelsJSON, WriteSpec,
// ReadPid and CgroupID.
//
// delete unregisters the container, then runs runc delete; a failed
// unregister is logged and does not block the delete. exec is refused
// when its process asks for a capability that none of the container's
// five sets holds, or for another SELinux label (ExecWithin). run and
// restore, which would create a container without admission, are
// refused. Every other verb is replaced by runc through exec, so signals
// and exit codes are runc's.
//
// The containerd namespace of a container is the base name of runc's
// --root, which containerd's runc shim sets to <root>/<namespace>.
//
// The front runs the wrapper for exec, run, restore and the command
// lines it cannot read; Go runs every linked package's initialisers
// before main whatever the verb, so its cost is its import graph. It
// talks to moatd through package apiclient, without net or net/http,
// which keeps it a static executable of some 80 packages; a test keeps
// it so.
package runtime
