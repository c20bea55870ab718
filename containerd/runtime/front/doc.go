// Package front is moat-runc, the front of moat's OCI runtime wrapper,
// and builds it.
//
// containerd's runc shim runs its runtime binary four times for every
// container (create, start, delete, delete --force), and more for state,
// kill and exec, and waits for each. A Go program starts in about 1.5 ms
// on these machines, which made a Go wrapper most of moat's cost over
// plain runc (make bench's create+start+delete). moat-runc is a static C
// program linked with musl (Compiler says why not glibc), whose start
// costs no more than its exec, and Go runs on none of the shim's calls.
// It is installed as the runtime ("runc", instance.RuntimePath) with
// moat-runtime in the same folder, and:
//
//   - execs the real runc (MOAT_RUNC, default /usr/sbin/runc) for the
//     verbs that create nothing and grant nothing: start, state, kill,
//     delete, features, ps, events, pause, resume, update, list;
//   - on create, asks moatd to admit the command line (moatd reads,
//     decides on and labels the spec: containerd/backend's Runtime),
//     runs runc create as its child with any arguments moatd added, then
//     asks moatd to register the container, and deletes it (runc delete
//     --force) when moatd cannot. Both calls are HTTP/1.0 over moatd's
//     socket (MOAT_SOCKET), bounded by MOAT_ADMIT_TIMEOUT, their bodies
//     NUL-terminated strings (package wire's RuntimeCall and
//     RuntimeAnswer). A failure is reported as runc reports one: to
//     stderr and as an error entry in the --log file, where the shim
//     finds it;
//   - execs moat-runtime for everything else: exec, run and restore,
//     and any command line with a global flag it does not know, for then
//     runc and it might disagree on which word is the verb;
//   - refuses a MOAT_RUNC that is itself, which would loop.
//
// A container deleted through the front is not unregistered by the
// wrapper: moatd's watcher unregisters it on containerd's exit and
// delete events, as it does for every container.
//
// The source is src/moat-runc.c; Build compiles it with musl-gcc, as
// make build does.
package front
