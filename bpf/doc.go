// Package bpf holds moat's BPF LSM programs and the Go code that loads
// and drives them.
//
// Four rule families, each off, audit or enforce (Config): the immutable
// root (no write of any kind reaches a protected filesystem), no shell in
// the host context (code runs only from protected filesystems, never a
// denylisted program), the capability gate (a registered container gets
// the default set plus its opt-in mask, an unknown one the default set),
// and self-protection (only the daemon touches moat's BPF objects, pins
// and state; nobody traces or signals it; no module or kexec loads).
//
// Load attaches the programs and pins links and maps under
// /sys/fs/bpf/moat (docs/bpf.md has the layout). Enforcement outlives
// the process: Close keeps the rules, Remove lifts them. A later Load
// adopts the pins, attaching new links before the old ones go, so there
// is never a moment without enforcement. The Set methods and
// RegisterContainer update run-time data; Events reads the audit ring
// buffer; Drops counts what the per-rule rate limit or a full ring lost.
//
// Denials return EPERM (EACCES where the kernel maps it, e.g. a refused
// /proc/PID/mem) and emit exactly one event. Every rule is proven in a
// VM: go test -tags vmtest -exec bin/moat-vmexec ./bpf/.
//
// The C sources sit beside this file, one per concern, compiled as one
// unit by moat.c; bpf2go turns them into the committed *_bpfel.go and
// *_bpfel.o files (make generate).
package bpf
