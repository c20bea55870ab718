//go:build vmtest

package vm

import (
	"os"
	"strconv"
	"testing"

	"github.com/moat-sh/moat/bench/sample"
)

// TestHookOverhead is make bench's VM pass: it prints samples, program
// statistics and map memory for the host to tabulate. It asserts that
// every configuration ran every operation, never a time.
func TestHookOverhead(t *testing.T) {
	if os.Getenv("MOAT_VM") != "1" {
		t.Fatal("run in the VM: go test -tags vmtest -exec bin/moat-vmexec ./bench/vm")
	}
	if err := Prepare(); err != nil {
		t.Fatal(err)
	}
	cfgs := configs(t)
	ops := Ops()
	rounds := envRounds(t)
	samples, err := Run(cfgs, ops, rounds)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != rounds*len(cfgs)*len(ops) {
		t.Fatalf("%d samples, want %d", len(samples), rounds*len(cfgs)*len(ops))
	}
	for _, s := range samples {
		emit(t, "sample", s)
	}
	for _, c := range cfgs[1:] {
		statsPass(t, c, ops)
	}
}

func statsPass(t *testing.T, c Config, ops []Op) {
	t.Helper()
	st, err := StatsPass(c, ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) == 0 {
		t.Fatalf("%s: no LSM program ran during the statistics pass", c.Name())
	}
	for _, s := range st {
		emit(t, "prog", s)
	}
}

func configs(t *testing.T) []Config {
	t.Helper()
	empty, err := LoadEmpty()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { empty.Close() })
	cfgs := []Config{None{}, empty}
	return append(cfgs, moatConfigs(t)...)
}

func envRounds(t *testing.T) int {
	t.Helper()
	v := os.Getenv("MOAT_BENCH_ROUNDS")
	if v == "" {
		return 7
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("MOAT_BENCH_ROUNDS=%q: want a positive integer", v)
	}
	return n
}

func emit(t *testing.T, kind string, v any) {
	t.Helper()
	if err := sample.Emit(os.Stdout, kind, v); err != nil {
		t.Fatal(err)
	}
}
