// Command guest is the footprint pass's scenario, run inside the
// instance VM (from the image, so that every family enforces from the
// start) once moatd, containerd and the image import are up: it starts
// the containers, lets moatd settle, then prints moatd's figures as
// package sample's lines.
// Its exit code is 0 when every figure was read.
//
// MOAT_FOOTPRINT_CONTAINERS (default 20), MOAT_FOOTPRINT_SETTLE (default
// 20s) and MOAT_FOOTPRINT_WINDOW (default 60s) change the run.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Printf("[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	if err := run(settingsFromEnv(), say); err != nil {
		say("footprint: %v", err)
		os.Exit(1)
	}
}
