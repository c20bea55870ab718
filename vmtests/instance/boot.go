package instance

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moat-sh/moat/vmtests/harness"
	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// Forward lets the guest reach one host loopback port: the guest
// connects to AttestAddr:GuestPort, the host side is 127.0.0.1:HostPort.
type Forward struct {
	GuestPort, HostPort int
}

// BootSpec says how to boot an image.
type BootSpec struct {
	Image      *Image
	Scenario   Scenario
	Forwards   []Forward
	VM         harness.Options // MemoryMB, CPUs, Timeout, Accel ("" probes KVM), Verbose
	Output     io.Writer       // the scenario's output
	DataDiskMB int             // 0 is 4096 (sparse)
	Console    string          // keep the kernel console and unit logs here; "" for a temporary file
	KernelArgs string          // appended to the kernel command line (e.g. "loglevel=7")
	Progress   func(Event)     // hears the boot's steps (called from Boot's goroutine); may be nil
}

// Result is how a boot went.
type Result struct {
	Exit   int           // the scenario's exit code
	Booted time.Duration // QEMU start to the supervisor's first line
	Ready  time.Duration // QEMU start to every unit ready (the scenario's start)
	Total  time.Duration
}

// Boot runs the image in QEMU until the scenario ends. An error means the
// scenario did not run to its end (stage 1 or a unit failed, timeout,
// kernel panic); it carries the end of the console.
func Boot(ctx context.Context, b BootSpec) (Result, error) {
	tmp, err := os.MkdirTemp("", "moat-instance-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(tmp)
	if err := b.defaults(tmp); err != nil {
		return Result{}, err
	}
	b.VM.Accel = harness.ProbeAccel(ctx, b.VM, b.Image.Kernel)
	initrd, data := filepath.Join(tmp, "initramfs.cpio"), filepath.Join(tmp, "data.ext4")
	if err := b.Image.stage1(tmp, b.Scenario, initrd); err != nil {
		return Result{}, fmt.Errorf("stage-1 initramfs: %w", err)
	}
	if err := makeDataDisk(ctx, data, b.DataDiskMB); err != nil {
		return Result{}, fmt.Errorf("data disk: %w", err)
	}
	return b.run(ctx, initrd, data)
}

func (b *BootSpec) defaults(tmp string) error {
	if b.Image == nil {
		return fmt.Errorf("boot: Image is nil")
	}
	if b.Output == nil {
		b.Output = io.Discard
	}
	b.Output = &syncWriter{w: b.Output} // the console tail writes there too
	if b.DataDiskMB == 0 {
		b.DataDiskMB = 4096
	}
	if b.Console == "" {
		b.Console = filepath.Join(tmp, "console.log")
	}
	if b.VM.MemoryMB == 0 {
		b.VM.MemoryMB, b.VM.CPUs = 2048, 2
	}
	if b.VM.Timeout == 0 {
		b.VM.Timeout = 5 * time.Minute
	}
	for _, f := range b.Forwards {
		if f.GuestPort <= 0 || f.GuestPort > 65535 || f.HostPort <= 0 || f.HostPort > 65535 {
			return fmt.Errorf("boot: forward %+v: ports must be 1..65535", f)
		}
	}
	return nil
}

func (b *BootSpec) run(ctx context.Context, initrd, data string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, b.VM.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", b.qemuArgs(initrd, data)...)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("start qemu-system-x86_64: %w (install qemu-system-x86: make deps)", err)
	}
	stopTail := b.tailConsole()
	m := streamMarkers(pipe, b.Output, start, b.Progress)
	werr := cmd.Wait()
	stopTail()
	res := Result{Exit: m.exit, Booted: m.booted, Ready: m.ready, Total: time.Since(start)}
	switch {
	case m.fail != "":
		return res, fmt.Errorf("instance: %s\n%s", m.fail, consoleTail(b.Console))
	case m.exited:
		return res, nil
	case ctx.Err() != nil:
		return res, fmt.Errorf("instance timed out after %s\n%s", b.VM.Timeout, consoleTail(b.Console))
	default:
		return res, fmt.Errorf("instance stopped without the scenario's exit code: qemu: %v %s\n%s", werr, stderr.String(), consoleTail(b.Console))
	}
}

// qemuArgs: ttyS0 is the console (a file), ttyS1 the scenario (stdout).
func (b *BootSpec) qemuArgs(initrd, data string) []string {
	img := b.Image
	args := []string{
		"-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
		"-m", strconv.Itoa(b.VM.MemoryMB), "-smp", strconv.Itoa(b.VM.CPUs),
		"-kernel", img.Kernel.Vmlinuz, "-initrd", initrd,
		"-append", strings.TrimSpace(harness.KernelCmdline + " " + img.KernelParams() + " " + b.KernelArgs),
		"-serial", "file:" + b.Console,
		"-chardev", "stdio,id=out,signal=off", "-serial", "chardev:out",
	}
	args = append(args, drive("root", img.Root, guest.SerialRoot, true)...)
	args = append(args, drive("hash", img.Hash, guest.SerialHash, true)...)
	args = append(args, drive("data", data, guest.SerialData, false)...)
	args = append(args, "-netdev", netdev(b.Forwards), "-device", "virtio-net-pci,netdev=net0")
	return append(args, harness.AccelArgs(b.VM.Accel, b.VM.Icount)...)
}

func drive(id, file, serial string, readOnly bool) []string {
	d := "if=none,format=raw,id=" + id + ",file=" + qemuEscape(file)
	if readOnly {
		d += ",readonly=on"
	}
	return []string{"-drive", d, "-device", "virtio-blk-pci,drive=" + id + ",serial=" + serial}
}

// netdev is the user-mode network: restrict=on isolates the guest; each
// forward runs `busybox nc 127.0.0.1 PORT` per guest connection, the only
// way out, and only to the host's loopback.
func netdev(fw []Forward) string {
	s := "user,id=net0,restrict=on,net=10.0.2.0/24,host=10.0.2.2"
	for _, f := range fw {
		s += fmt.Sprintf(",guestfwd=tcp:%s:%d-cmd:busybox nc 127.0.0.1 %d", AttestAddr, f.GuestPort, f.HostPort)
	}
	return s
}

func qemuEscape(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// tailConsole streams the console file to the output when VM.Verbose.
func (b *BootSpec) tailConsole() func() {
	if !b.VM.Verbose {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		var off int64
		for {
			if f, err := os.Open(b.Console); err == nil {
				n, _ := io.Copy(b.Output, io.NewSectionReader(f, off, 1<<40))
				off += n
				f.Close()
			}
			select {
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return func() { close(done) }
}

// consoleTail returns the end of the console for a failure report.
func consoleTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no console: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return "--- instance console (last lines) ---\n" + strings.Join(lines, "\n")
}

// syncWriter serialises the scenario's output and the console tail.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
