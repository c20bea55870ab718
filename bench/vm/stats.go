package vm

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/moat-sh/moat/bench/sample"
	"golang.org/x/sys/unix"
)

type progTotals struct {
	name    string
	runs    uint64
	runtime int64
}

// StatsPass turns bpf_stats on (kernel.bpf_stats_enabled), runs each
// operation Iters times under c and reports the mean run time of every
// LSM program that ran.
func StatsPass(c Config, ops []Op) ([]sample.ProgStat, error) {
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		return nil, fmt.Errorf("enable bpf_stats: %w", err)
	}
	defer stats.Close()
	if err := c.Apply(); err != nil {
		return nil, fmt.Errorf("%s: apply: %w", c.Name(), err)
	}
	before, err := lsmTotals()
	if err == nil {
		err = runAll(ops)
	}
	after, err2 := lsmTotals()
	if err := errors.Join(err, err2, c.Revert()); err != nil {
		return nil, err
	}
	return diffStats(c.Name(), before, after), nil
}

func runAll(ops []Op) error {
	for _, op := range ops {
		for range op.Iters {
			if err := op.Run(); err != nil {
				return fmt.Errorf("%s: %w", op.Name, err)
			}
		}
	}
	return nil
}

func diffStats(cfg string, before, after map[ebpf.ProgramID]progTotals) []sample.ProgStat {
	var out []sample.ProgStat
	for id, a := range after {
		b := before[id]
		runs := a.runs - b.runs
		if runs == 0 {
			continue
		}
		out = append(out, sample.ProgStat{Config: cfg, Program: a.name, Runs: runs,
			MeanNs: float64(a.runtime-b.runtime) / float64(runs)})
	}
	return out
}

// lsmTotals reads run_cnt and run_time_ns of every loaded LSM program.
func lsmTotals() (map[ebpf.ProgramID]progTotals, error) {
	out := map[ebpf.ProgramID]progTotals{}
	var id ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("next program id: %w", err)
		}
		id = next
		t, ok, err := programTotals(id)
		if err != nil {
			return nil, err
		}
		if ok {
			out[id] = t
		}
	}
}

func programTotals(id ebpf.ProgramID) (progTotals, bool, error) {
	p, err := ebpf.NewProgramFromID(id)
	if errors.Is(err, os.ErrNotExist) {
		return progTotals{}, false, nil // unloaded meanwhile
	}
	if err != nil {
		return progTotals{}, false, fmt.Errorf("program %d: %w", id, err)
	}
	defer p.Close()
	info, err := p.Info()
	if err != nil {
		return progTotals{}, false, fmt.Errorf("program %d info: %w", id, err)
	}
	if info.Type != ebpf.LSM {
		return progTotals{}, false, nil
	}
	st, err := p.Stats()
	if err != nil {
		return progTotals{}, false, fmt.Errorf("program %d stats: %w", id, err)
	}
	return progTotals{name: info.Name, runs: st.RunCount, runtime: st.Runtime.Nanoseconds()}, true, nil
}

// MapMemory sums the memlock of every loaded map whose name starts with
// prefix ("moat_"), from the kernel's map info; a ring buffer counts its
// data size.
func MapMemory(prefix string) (total uint64, maps int, err error) {
	var id ebpf.MapID
	for {
		next, err := ebpf.MapGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return total, maps, nil
		}
		if err != nil {
			return 0, 0, fmt.Errorf("next map id: %w", err)
		}
		id = next
		n, ok, err := mapMemlock(id, prefix)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			total += n
			maps++
		}
	}
}

func mapMemlock(id ebpf.MapID, prefix string) (uint64, bool, error) {
	m, err := ebpf.NewMapFromID(id)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("map %d: %w", id, err)
	}
	defer m.Close()
	info, err := m.Info()
	if err != nil {
		return 0, false, fmt.Errorf("map %d info: %w", id, err)
	}
	if !strings.HasPrefix(info.Name, prefix) {
		return 0, false, nil
	}
	n, ok := info.Memlock()
	switch {
	case info.Type == ebpf.RingBuf && n < uint64(info.MaxEntries):
		// Linux 6.1 reports a ring buffer's memlock as 0 (key and value
		// sizes are 0); its data pages are max_entries bytes.
		return uint64(info.MaxEntries), true, nil
	case !ok:
		return 0, false, fmt.Errorf("map %s: the kernel reports no memlock", info.Name)
	}
	return n, true, nil
}
