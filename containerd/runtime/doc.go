// Package runtime is moat's OCI runtime wrapper: containerd runs it in
// place of runc (the runc runtime's BinaryName option), so every container
// that any containerd client creates passes through it.
//
// It parses runc's global flags and verb. On create it reads the bundle's
// config.json strictly (a malformed spec or an unknown field is refused and
// nothing is created), asks moatd for admission through the local API,
// writes the SELinux labels of the answer into the spec, runs the real
// runc create, finds the container's cgroup v2 id (the inode of the
// cgroup directory of its init process) and registers it with moatd
// together with its capability mask before returning, so policy is in
// place before runc start runs the first user instruction. If moatd cannot
// be reached or does not explicitly allow, or if registration fails (the
// container is then deleted), create fails and the reason goes both to
// stderr and, as a runc-style JSON error entry, to the --log file, where
// containerd's shim reads it into the error the client prints ("OCI
// runtime create failed: moat: ...").
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
// containerd's shim starts the wrapper for every runc call (create, start,
// delete twice per container), and Go runs every linked package's
// initialisers before main whatever the verb, so the wrapper's cost on the
// verbs it passes through is its import graph. It talks to moatd through
// package apiclient, without net or net/http, which keeps it a static
// executable of some 80 packages; a test keeps it so.
package runtime
