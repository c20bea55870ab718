package vm

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/moat-sh/moat/bench/sample"
)

// Run measures every operation under every configuration, rounds times,
// configurations interleaved (A B C A B C ...), each applied before its
// turn and reverted after it. A first round warms the caches and is not
// recorded (its control runs about 5% apart from every later round).
func Run(cfgs []Config, ops []Op, rounds int) ([]sample.Sample, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var out []sample.Sample
	for r := -1; r < rounds; r++ {
		for _, c := range cfgs {
			s, err := turn(c, ops, r)
			if err != nil {
				return out, fmt.Errorf("round %d, %s: %w", r, c.Name(), err)
			}
			if r >= 0 {
				out = append(out, s...)
			}
		}
	}
	return out, nil
}

// settle lets the kernel finish the deferred work of an attach or a
// detach (RCU frees of programs and trampolines, kworkers) before the
// clock runs, so that it does not land in the next measurement.
func settle() { time.Sleep(settleTime) }

const settleTime = 500 * time.Millisecond

func turn(c Config, ops []Op, round int) ([]sample.Sample, error) {
	if err := c.Apply(); err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	defer settle()
	settle()
	var out []sample.Sample
	for _, op := range ops {
		ns, err := measure(op)
		if err != nil {
			return nil, errors.Join(err, c.Revert())
		}
		out = append(out, sample.Sample{Op: op.Name, Config: c.Name(), Round: round, Value: ns, Unit: "ns"})
	}
	return out, c.Revert()
}

// chunks is how many pieces a measurement is cut into (each shorter
// than a 4 ms tick for the syscalls). Under -icount a piece's time is
// the instructions run in it, and whatever else runs on the guest's one
// CPU (a timer tick, a kthread, the Go runtime's background work) only
// ever adds to a piece: to a third of them, in runs of four or five
// about every fourteen, and now and then to more than half. So a turn
// keeps its fastest piece, the operation with the least else in it. The
// first-quartile piece, kept before, was a clean one unless a turn's
// slow run was long, and open+close then moved by up to 8% from turn to
// turn (its pieces are 10.8 µs a call clean and up to 13.5 slowed), so
// that "empty programs" came out faster than "none" in some runs and
// moat's ratio to them missed its 1.02 now and then. The fastest piece
// held each configuration's open+close within 2.4% over all turns of
// the four passes measured (0.1-1.7% in three of them).
//
// An operation whose own cost varies from one call to the next keeps
// its first-quartile piece instead (Op.Varies).
const chunks = 45

// measure warms the caches with a tenth of the iterations, then times
// the rest in chunks and returns the kept chunk's time per operation.
func measure(op Op) (float64, error) {
	for range max(op.Iters/10, 1) {
		if err := op.Run(); err != nil {
			return 0, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	runtime.GC()
	n := max(op.Iters/chunks, 1)
	per := make([]float64, chunks)
	for i := range per {
		start := time.Now()
		for range n {
			if err := op.Run(); err != nil {
				return 0, fmt.Errorf("%s: %w", op.Name, err)
			}
		}
		per[i] = float64(time.Since(start).Nanoseconds()) / float64(n)
	}
	slices.Sort(per)
	if op.Varies {
		return per[chunks/4], nil
	}
	return per[0], nil
}
