package server

import (
	"os"
	"runtime/debug"
)

// GCPercent is the heap growth moat-attestd allows between collections
// (Go's default is 100). The server's live heap is small, the key cache
// and a buffer or two a connection, while every submission allocates
// its request, its statement and its rows: at 100 the collector ran
// several times a second under load and took about a tenth of the CPU
// (make bench's attestation pass); at 400 it takes about 2%, for a heap
// a few times its live size.
const GCPercent = 400

// TuneGC sets GCPercent, unless GOGC is set in the environment, which
// then rules. moat-attestd serve calls it, and so does the benchmark
// that measures the server.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
