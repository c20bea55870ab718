package lifecycle

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Clock gives the instance time.
type Clock interface {
	Now() time.Time
}

// BootSource is what instance time is built from: the wall clock (read once
// per boot), the time since boot and the identity of the boot.
type BootSource interface {
	Wall() time.Time
	SinceBoot() time.Duration
	BootID() (string, error)
}

// SystemBoot is the BootSource of this machine: time.Now, CLOCK_BOOTTIME
// (which counts time suspended and never goes back) and the kernel's
// random boot_id.
type SystemBoot struct{}

// Wall is the wall clock.
func (SystemBoot) Wall() time.Time { return time.Now().UTC() }

// SinceBoot reads CLOCK_BOOTTIME. It cannot fail on Linux 2.6.39 and later;
// should it fail, it panics rather than hand out a wrong age.
func (SystemBoot) SinceBoot() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		panic(fmt.Sprintf("clock_gettime(CLOCK_BOOTTIME): %v", err))
	}
	return time.Duration(ts.Nano())
}

// BootID is /proc/sys/kernel/random/boot_id, new at every boot.
func (SystemBoot) BootID() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// InstanceClock is instance time: the wall-clock time of this boot's start,
// fixed once per boot, plus the time since boot. Setting the wall clock
// back or forth while the instance runs changes nothing.
type InstanceClock struct {
	bootTime time.Time
	src      BootSource
}

// NewInstanceClock makes the clock of a boot that started at bootTime.
func NewInstanceClock(bootTime time.Time, src BootSource) *InstanceClock {
	return &InstanceClock{bootTime: bootTime, src: src}
}

// Now is the boot's start plus CLOCK_BOOTTIME.
func (c *InstanceClock) Now() time.Time { return c.bootTime.Add(c.src.SinceBoot()) }

// BootTime is the boot's start in instance time.
func (c *InstanceClock) BootTime() time.Time { return c.bootTime }
