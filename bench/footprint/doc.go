// Package footprint measures moatd's own cost on a managed instance, the
// fourth part of make bench: the instance image of vmtests/instance
// booted in QEMU with moatd enforcing every BPF rule family and SELinux,
// 20 live busybox containers started with ctr through containerd and
// moat-runtime (with admission), then, after a settling time, moatd's
// resident memory (VmRSS, its anonymous and file-backed parts) and its
// CPU time over an idle window, in millicores.
//
// moatd runs in a cgroup of its own, as under systemd, and its CPU time
// is the cgroup's cpu.stat: /proc/PID/stat, smaps_rollup and fdinfo ask
// for PTRACE_MODE_READ on moatd, which the tamper rule refuses (and
// moatd logs each refusal, a cost that would fall into the window); so
// there is no Pss, and the BPF map memory is the hooks pass's.
//
// This package holds the pure parsers over those files' text; guest is
// the program that runs in the instance and prints the figures as
// package sample's metric lines; TestFootprint (build tag vmtest, a
// plain host test that builds and boots the image itself) is what make
// bench's footprint pass runs. MOAT_FOOTPRINT_CONTAINERS, _SETTLE and
// _WINDOW change the run; MOAT_FOOTPRINT_MOATD_ENV adds variables to
// moatd's environment for a diagnosis (GODEBUG=gctrace=1).
package footprint
