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
// than a 4 ms tick for the syscalls). The piece at the first quartile
// is kept: whatever else runs on the guest's one CPU (a timer tick, a
// kthread, the Go runtime's background work) only ever adds to a piece,
// and it did so to a third of them, in runs of four or five about every
// fourteen, and now and then to more than half. The median piece then
// was a slow one in a third of stat's turns (97 µs slower: 9.14 against
// 8.27 µs a stat, in every configuration alike); the first quartile is
// a clean piece unless three in four are slow.
const chunks = 45

// measure warms the caches with a tenth of the iterations, then times
// the rest in chunks and returns the first-quartile chunk's time per
// operation.
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
	return per[chunks/4], nil
}
