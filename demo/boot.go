package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/moat-sh/moat/demo/result"
	"github.com/moat-sh/moat/vmtests/instance"
)

func (o Options) boot(ctx context.Context, img *instance.Image, b binaries, srv *attestd, tmp string, out *Outcome) (instance.Result, error) {
	accel := o.VM.Accel
	if accel == "" {
		accel = "probed"
	}
	o.say("booting the instance VM (QEMU, %d vCPUs, %d MiB, accel %s; the scenario starts once every unit is up)", o.VM.CPUs, o.VM.MemoryMB, accel)
	lines := &lineTee{out: o.Out}
	ready := false
	progress := func(e instance.Event) {
		if !ready {
			o.progress(e)
		}
		ready = ready || e.What == "ready"
	}
	res, err := instance.Boot(ctx, instance.BootSpec{
		Image: img,
		Scenario: instance.Scenario{
			Path:  scenarioPath,
			Env:   []string{fmt.Sprintf("MOAT_DEMO_ATTEST=http://%s:%d", instance.AttestHost, attestGuestPort), "MOAT_DEMO_INSTANCE=" + InstanceID},
			Files: []instance.File{{Host: srv.token, Guest: "enrol-token"}},
		},
		Forwards: []instance.Forward{{GuestPort: attestGuestPort, HostPort: srv.port()}},
		VM:       o.VM,
		Output:   lines,
		Console:  filepath.Join(tmp, "console.log"),
		// notice: the kernel console (console.log) shows SELinux denials
		KernelArgs: "loglevel=6",
		Progress:   progress,
	})
	lines.flush()
	out.Results = lines.results
	if err != nil {
		return res, fmt.Errorf("boot the instance: %w", err)
	}
	o.say("the scenario ended with exit code %d after %s in the VM", res.Exit, (res.Total - res.Ready).Round(time.Second))
	return res, nil
}

// progress narrates the boot: the supervisor's start, each unit ready.
func (o Options) progress(e instance.Event) {
	at := e.Elapsed.Round(100 * time.Millisecond)
	switch {
	case e.What == "booted":
		o.say("%6s  kernel up, moat-supervise is PID 1", at)
	case e.What == "unit" && (e.State == "active" || e.State == "done" || e.State == "failed"):
		o.say("%6s  unit %s %s", at, e.Unit, e.State)
	case e.What == "ready":
		o.say("%6s  every unit is up: the scenario starts", at)
	}
}

// lineTee passes the scenario's output through, indented, and keeps the
// result lines.
type lineTee struct {
	mu      sync.Mutex
	out     io.Writer
	buf     []byte
	results []result.Result
}

func (t *lineTee) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		t.line(string(t.buf[:i]))
		t.buf = t.buf[i+1:]
	}
}

func (t *lineTee) line(s string) {
	if r, ok := result.Parse(s); ok {
		t.results = append(t.results, r)
		fmt.Fprintln(t.out, s)
		return
	}
	fmt.Fprintln(t.out, "    "+s)
}

func (t *lineTee) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) > 0 {
		t.line(string(t.buf))
		t.buf = nil
	}
}
