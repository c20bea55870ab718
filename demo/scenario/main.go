// Command scenario is the demo's scenario, run inside the instance VM by
// moat-supervise once containerd, the image import and moatd are up. It
// checks each promise in turn (result.Promises), narrates what it does and
// prints one result line per promise; its exit code is the number of
// failed promises. MOAT_DEMO_ATTEST is the attestation server's URL as
// the guest reaches it, MOAT_DEMO_INSTANCE the instance's id.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/moat-sh/moat/demo/result"
)

// demo is the scenario's state shared by the steps.
type demo struct {
	attest   string // attestation server base URL
	instance string
	failed   int
	start    time.Time
}

type step func(d *demo) (evidence string, err error)

func main() {
	d := &demo{attest: os.Getenv("MOAT_DEMO_ATTEST"), instance: os.Getenv("MOAT_DEMO_INSTANCE"), start: time.Now()}
	steps := map[string]step{
		"task": (*demo).task, "exec": (*demo).exec, "root": (*demo).root, "caps": (*demo).caps,
		"mcs": (*demo).mcs, "single": (*demo).single, "killed": (*demo).killed,
		"attest": (*demo).attestation, "drain": (*demo).drain,
	}
	for _, p := range result.Promises {
		d.run(p, steps[p.ID])
	}
	os.Exit(d.failed)
}

// run checks one promise and prints its result line.
func (d *demo) run(p result.Result, s step) {
	d.say("--- %s", p.Promise)
	t, seen := time.Now(), len(avcs())
	ev, err := s(d)
	p.OK, p.Evidence = err == nil, ev
	if err != nil {
		p.Evidence = err.Error()
		if avc := d.newAVCs(seen); avc != "" {
			p.Evidence += "; SELinux: " + avc
		}
		d.failed++
	}
	d.say("(%s)", time.Since(t).Round(100*time.Millisecond))
	fmt.Println(p.String())
}

func (d *demo) say(format string, args ...any) {
	fmt.Printf("[%5.1fs] %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, args...))
}
