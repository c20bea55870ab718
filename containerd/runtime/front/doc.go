// Package front is moat-runc, the front of moat's OCI runtime wrapper,
// and builds it.
//
// containerd's runc shim runs its runtime binary four times for every
// container (create, start, delete, delete --force), and more for state,
// kill and exec. The wrapper proper, moat-runtime, is Go: its runtime
// starts in about 1.5 ms on these machines before it can exec runc,
// and four such starts were most of the wrapper's cost over plain runc
// (make bench's create+start+delete). moat-runc is a static C program
// of about a hundred lines, linked with musl (Compiler says why not
// glibc), whose start costs no more than its exec. It is installed as
// the runtime ("runc", instance.RuntimePath) with moat-runtime in the
// same folder, and:
//
//   - execs the real runc (MOAT_RUNC, default /usr/sbin/runc) for the
//     verbs that create nothing and grant nothing: start, state, kill,
//     delete, features, ps, events, pause, resume, update, list;
//   - execs moat-runtime for everything else: create, exec, run and
//     restore, and any command line with a global flag it does not
//     know, for then runc and it might disagree on which word is the
//     verb;
//   - refuses a MOAT_RUNC that is itself, which would loop.
//
// A container deleted through the front is not unregistered by the
// wrapper: moatd's watcher unregisters it on containerd's exit and
// delete events, as it does for every container.
//
// The source is src/moat-runc.c; Build compiles it with musl-gcc, as
// make build does.
package front
