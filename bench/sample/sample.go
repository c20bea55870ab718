package sample

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Prefix starts every result line; the word after it names the kind
// (sample, prog, mapmem, metric) and JSON follows.
const Prefix = "MOATBENCH "

// Sample is one operation's cost in one configuration and round; Value
// is in Unit (ns per operation unless said otherwise).
type Sample struct {
	Op     string  `json:"op"`
	Config string  `json:"config"`
	Round  int     `json:"round"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
}

// ProgStat is one BPF program's mean run time from bpf_stats.
type ProgStat struct {
	Config  string  `json:"config"`
	Program string  `json:"program"`
	Runs    uint64  `json:"runs"`
	MeanNs  float64 `json:"mean_ns"`
}

// MapMem is the memory of a loaded rule set's maps.
type MapMem struct {
	Config string `json:"config"`
	Bytes  uint64 `json:"bytes"`
	Maps   int    `json:"maps"`
}

// Metric is a single figure (a throughput, a percentile), in one round
// when the figure is measured over several.
type Metric struct {
	What   string  `json:"what"`
	Config string  `json:"config"`
	Round  int     `json:"round,omitempty"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
}

// Emit prints one result line.
func Emit(w io.Writer, kind string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s %s\n", Prefix, kind, b)
	return err
}

// Results is everything a run printed.
type Results struct {
	Samples []Sample
	Progs   []ProgStat
	MapMems []MapMem
	Metrics []Metric
}

// Parse collects the result lines of r and ignores every other line.
func Parse(r io.Reader) (Results, error) {
	var res Results
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), Prefix)
		if !ok {
			continue
		}
		kind, raw, _ := strings.Cut(line, " ")
		if err := res.add(kind, []byte(raw)); err != nil {
			return res, fmt.Errorf("result line %q: %w", sc.Text(), err)
		}
	}
	return res, sc.Err()
}

func (res *Results) add(kind string, raw []byte) error {
	switch kind {
	case "sample":
		return appendJSON(raw, &res.Samples)
	case "prog":
		return appendJSON(raw, &res.Progs)
	case "mapmem":
		return appendJSON(raw, &res.MapMems)
	case "metric":
		return appendJSON(raw, &res.Metrics)
	}
	return fmt.Errorf("unknown kind %q", kind)
}

func appendJSON[T any](raw []byte, to *[]T) error {
	var v T
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*to = append(*to, v)
	return nil
}
