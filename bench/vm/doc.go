// Package vm is the in-VM half of make bench: a microbenchmark of the
// syscalls moat hooks (open+close of a protected file, open for write on
// tmpfs, stat, fork+exec of a static binary, getppid as the control) run
// under several configurations in one boot — no programs, empty programs on
// exactly moat's hooks (empty.c), and moat's real rule set — interleaved
// round by round, so every figure is a ratio to a baseline of the same run.
// Programs load once, as moatd loads at boot; a turn only attaches them
// and detaches them after.
//
// Results leave the VM as lines of package sample on the test's standard
// output; the bench package on the host parses them. Nothing here
// asserts a time.
package vm
