// Package bench is make bench's driver. It runs each pass in its own
// process — the hook microbenchmark in one QEMU boot with deterministic
// instruction counting (bench/vm), the containerd admission cost and the
// admission decision's latency, the attestation server's throughput — and
// turns their result lines (package sample) into one table: what,
// configuration, median, min, max, ratio to the baseline of the same run,
// target, and whether it was met. The table goes to standard output, to
// JSON in the output folder and to docs/benchmarks.md with the machine it
// ran on. Nothing here asserts a time; a failing pass is a row that says so.
package bench
