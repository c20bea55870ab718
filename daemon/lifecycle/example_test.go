package lifecycle_test

import (
	"fmt"
	"time"

	"github.com/moat-sh/moat/daemon/lifecycle"
)

func ExampleSchedule() {
	settings, err := lifecycle.ParseConfig([]byte(`
maintenanceWindows:
  - {start: "sat 02:00", end: "sat 06:00"}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	launch := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) // a Sunday
	p := lifecycle.Schedule(settings, lifecycle.Inputs{Launch: launch, Now: launch.Add(3 * lifecycle.Day)})
	fmt.Println("drain at", p.DrainAt.Format(time.DateTime), p.DrainReason, "in window:", p.DrainInWindow)
	fmt.Println("terminate at", p.TerminateAt.Format(time.DateTime))
	fmt.Println("next window", p.NextWindow.Start.Format(time.DateTime))
	fmt.Println("now:", p.Action)
	// Output:
	// drain at 2026-11-14 02:00:00 schedule in window: true
	// terminate at 2026-11-22 00:00:00
	// next window 2026-11-07 02:00:00
	// now: nothing
}

func ExampleParseConfig_error() {
	_, err := lifecycle.ParseConfig([]byte("drainAfter: 20d\nendAction: reboot\n"))
	fmt.Println(err)
	// Output:
	// lifecycle.drainAfter: 20d is more than the maximum 14d
	// lifecycle.endAction: "reboot" is not one of poweroff, exit
}
