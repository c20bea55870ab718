package store

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/moat-sh/moat/attest"
)

// BenchmarkAppendParallel: many instances, each submitting one report,
// at once (the steady state of a fleet): 64 goroutines per core, as
// many instances, so that group commit has groups to gather.
func BenchmarkAppendParallel(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			s := benchStore(b, name)
			b.SetParallelism(64)
			instances := 64 * runtime.GOMAXPROCS(0)
			for i := range instances {
				enrolB(b, s, fmt.Sprintf("i-%d", i))
			}
			env := reports("i-0", 1, 1)[0].Envelope // a write does not read it: one signed off the clock stands for all
			b.ResetTimer()
			var next atomic.Int64
			seqs := make([]atomic.Uint64, instances)
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)-1) % instances // one instance per goroutine, in order
				id := fmt.Sprintf("i-%d", i)
				for pb.Next() {
					seq := seqs[i].Add(1)
					n, _, err := s.IssueNonce(context.Background(), id, 60e9, t0)
					if err != nil {
						b.Fatal(err)
					}
					r := report(id, seq)
					rep := Report{Sequence: seq, Digest: attest.ReportDigest(r), Report: r, Envelope: env}
					if err := s.Append(context.Background(), id, n, t0, []Report{rep}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
		})
	}
}

func benchStore(b *testing.B, name string) *Store {
	dsn := filepath.Join(b.TempDir(), "bench.db")
	if name == "postgres" {
		if pg == nil {
			b.Fatalf("postgresql: %v", pgErr)
		}
		var err error
		if dsn, err = pg.NewDatabase(); err != nil {
			b.Fatal(err)
		}
	}
	s, err := Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func enrolB(b *testing.B, s *Store, id string) {
	tok, err := s.CreateToken(context.Background(), id, 3600e9, t0)
	if err != nil {
		b.Fatal(err)
	}
	seed := make([]byte, 32)
	v, _ := verifierFromSeed(seed)
	if _, err := s.Enrol(context.Background(), tok, id, v, t0); err != nil {
		b.Fatal(err)
	}
}
