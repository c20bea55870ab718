package server

import (
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// BenchmarkSubmitBatch: one instance sends batches of 100 signed reports
// over HTTP to a server on SQLite; the reports/s metric counts signing,
// verifying and the durable commit.
func BenchmarkSubmitBatch(b *testing.B) {
	e := newEnv(b, sqliteDSN(b), Defaults())
	e.enrol("i-1", e.key)
	var seq uint64
	for b.Loop() {
		n := e.nonce("i-1").Nonce
		envs := make([]*dsse.Envelope, 100)
		for i := range envs {
			seq++
			envs[i] = e.sign(e.key, report("i-1", seq), n)
		}
		if code, ref, _ := e.submit("i-1", envs...); code != 200 {
			b.Fatalf("submit: %d %+v", code, ref)
		}
	}
	b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "reports/s")
}
