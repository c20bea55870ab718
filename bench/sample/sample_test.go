package sample

import (
	"bytes"
	"strings"
	"testing"
)

func TestEmitParseRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("=== RUN TestX\nnoise\n")
	Emit(&buf, "sample", Sample{Op: "stat", Config: "none", Round: 2, Value: 12.5, Unit: "ns"})
	Emit(&buf, "prog", ProgStat{Config: "moat", Program: "moat_file_open", Runs: 3, MeanNs: 80})
	Emit(&buf, "mapmem", MapMem{Config: "moat", Bytes: 4096, Maps: 2})
	Emit(&buf, "metric", Metric{What: "attest reports/s", Config: "sqlite", Value: 900, Unit: "reports/s"})
	res, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Samples) != 1 || res.Samples[0].Round != 2 || len(res.Progs) != 1 || len(res.MapMems) != 1 || len(res.Metrics) != 1 {
		t.Fatalf("parsed %+v", res)
	}
}

func TestParseRefusesBadLines(t *testing.T) {
	for _, in := range []string{
		Prefix + "bogus {}\n",
		Prefix + "sample {\"op\":1}\n",
		Prefix + "sample {\"unknown\":1}\n",
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}
