package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/moat-sh/moat/demo/result"
	"github.com/moat-sh/moat/vmtests/harness"
)

// InstanceID is the demo instance's id, as demo/config.yaml names it.
const InstanceID = "moat-demo"

// attestGuestPort is the port of attestation.endpoint in demo/config.yaml.
const attestGuestPort = 8443

// Options are the driver's inputs.
type Options struct {
	Root string          // the repository's root
	VM   harness.Options // harness.FromEnv
	Out  io.Writer       // narration and results
	Keep bool            // keep the temporary folder (attestd's log and database, the console)
}

// Outcome is what a run found.
type Outcome struct {
	Results []result.Result
	Took    time.Duration
	Build   time.Duration // binaries and image
	Ready   time.Duration // QEMU start to the scenario's start
	Cached  bool          // the image came from the cache
}

// Failed counts the failed results.
func (o Outcome) Failed() int {
	n := 0
	for _, r := range o.Results {
		if !r.OK {
			n++
		}
	}
	return n
}

// Run plays the demo once. Its error means the demo could not be played
// (a build or the boot failed); a broken promise is a failed result.
func Run(ctx context.Context, o Options) (Outcome, error) {
	start := time.Now()
	var out Outcome
	tmp, err := os.MkdirTemp("", "moat-demo-")
	if err != nil {
		return out, err
	}
	if o.Keep {
		o.say("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bins, err := o.buildBinaries(ctx)
	if err != nil {
		return out, err
	}
	srv, err := startAttestd(ctx, bins, tmp, o.say)
	if err != nil {
		return out, err
	}
	defer srv.stop()
	img, err := o.buildImage(ctx, bins)
	if err != nil {
		return out, err
	}
	out.Build, out.Cached = time.Since(start), img.Cached
	res, err := o.boot(ctx, img, bins, srv, tmp, &out)
	if err != nil {
		out.Results = append(out.Results, result.Missing(out.Results)...)
		return out, err
	}
	out.Ready = res.Ready
	out.Results = append(out.Results, result.Missing(out.Results)...)
	out.Results = append(out.Results, srv.finalCheck(ctx))
	out.Took = time.Since(start)
	return out, nil
}

// say prints one narration line.
func (o Options) say(format string, args ...any) {
	fmt.Fprintf(o.Out, "==> "+format+"\n", args...)
}

func (o Options) path(rel string) string { return filepath.Join(o.Root, rel) }
