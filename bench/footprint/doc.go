// Package footprint measures moatd's own cost on a managed instance, the
// fourth part of make bench: the instance image of vmtests/instance
// booted in QEMU with moatd enforcing every BPF rule family, 20 live
// busybox containers started through containerd and moat-runtime (with
// admission), then moatd's resident memory (VmRSS, and Pss from
// smaps_rollup), its CPU time over an idle window in millicores and the
// memory of the BPF maps it holds.
//
// This package reads those figures from /proc (pure parsers over the
// files' text, table-tested); guest is the program that runs in the
// instance and prints them as package sample's metric and mapmem lines;
// TestFootprint (build tag vmtest, a plain host test that builds and
// boots the image itself) is what make bench's footprint pass runs.
package footprint
