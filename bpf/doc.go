// Package bpf holds moat's BPF LSM programs and the Go code that loads
// them: it loads, attaches and pins the programs under /sys/fs/bpf/moat,
// adopts existing pins after a restart without a window in which nothing
// enforces, gives typed access to the maps and reads audit events from the
// ring buffer.
//
// The C sources sit beside this file, one per concern; bpf2go turns them
// into the committed *_bpfel.go and *_bpfel.o files (make generate).
package bpf
