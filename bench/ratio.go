package bench

import (
	"github.com/moat-sh/moat/bench/sample"
)

// key names one operation under one configuration.
type key struct{ op, config string }

// byRound indexes samples by operation, configuration and round.
func byRound(ss []sample.Sample) map[key]map[int]float64 {
	out := map[key]map[int]float64{}
	for _, s := range ss {
		k := key{s.Op, s.Config}
		if out[k] == nil {
			out[k] = map[int]float64{}
		}
		out[k][s.Round] = s.Value
	}
	return out
}

// ratioRows turns interleaved samples into one row per operation and
// configuration (in the orders given): the figure's median, min and max,
// and for every configuration but the baseline, the median, min and max
// of the per-round ratios to the baseline of the same round.
func ratioRows(ss []sample.Sample, ops, configs []string, baseline string, goals func(op, config string) *Goal) []Row {
	idx := byRound(ss)
	var rows []Row
	for _, op := range ops {
		for _, c := range configs {
			vals := idx[key{op, c}]
			if len(vals) == 0 {
				continue
			}
			rows = append(rows, ratioRow(op, c, vals, idx[key{op, baseline}], baseline, goals(op, c)))
		}
	}
	return rows
}

// values are a figure's values over its rounds.
func values(rounds map[int]float64) []float64 {
	var xs []float64
	for _, v := range rounds {
		xs = append(xs, v)
	}
	return xs
}

// roundRatios are the ratios of vals to base, each to base's value of
// the same round.
func roundRatios(vals, base map[int]float64) []float64 {
	var rs []float64
	for round, v := range vals {
		if b, ok := base[round]; ok && b > 0 {
			rs = append(rs, v/b)
		}
	}
	return rs
}

func ratioRow(op, c string, vals, base map[int]float64, baseline string, g *Goal) Row {
	var rs []float64
	if c != baseline {
		rs = roundRatios(vals, base)
	}
	r := Row{What: op, Config: c, Unit: "ns"}
	r.Median, r.Min, r.Max = spread(values(vals))
	if len(rs) > 0 {
		r.Ratio, r.RatioMin, r.RatioMax = spread(rs)
		r.Baseline = baseline
	}
	r.judge(g)
	if c == baseline {
		r.Target, r.Met = "baseline", "n/a"
	}
	return r
}
