package bench

import (
	"fmt"
	"slices"
)

// Row is one line of the table.
type Row struct {
	What     string  `json:"what"`
	Config   string  `json:"config"`
	Median   float64 `json:"median"`
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Unit     string  `json:"unit"`
	Ratio    float64 `json:"ratio,omitempty"` // median of per-round ratios to Baseline
	RatioMin float64 `json:"ratio_min,omitempty"`
	RatioMax float64 `json:"ratio_max,omitempty"`
	Baseline string  `json:"baseline,omitempty"`
	Target   string  `json:"target"`
	Met      string  `json:"met"` // yes, no, noise, n/a, TODO, error
	Note     string  `json:"note,omitempty"`
}

// spread returns the median, min and max of xs (not empty).
func spread(xs []float64) (med, lo, hi float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

// Goal is a target: the value (a ratio, or the figure itself when
// OnValue) must stay at most Max, or at least Min when Min is set.
type Goal struct {
	Max, Min float64
	OnValue  bool
	Text     string
}

// judge fills Target and Met, and says by how much a goal was missed.
func (r *Row) judge(g *Goal) {
	if g == nil {
		r.Target, r.Met = "—", "n/a"
		return
	}
	r.Target = g.Text
	v := r.Ratio
	if g.OnValue {
		v = r.Median
	}
	switch {
	case g.Min > 0 && v < g.Min:
		r.Met = fmt.Sprintf("no (%.1f%% short)", 100*(g.Min-v)/g.Min)
	case g.Max > 0 && v > g.Max:
		r.Met = fmt.Sprintf("no (%.1f%% over)", 100*(v-g.Max)/g.Max)
	default:
		r.Met = "yes"
	}
}
