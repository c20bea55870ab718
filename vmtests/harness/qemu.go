package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Lines the init writes to the test's serial port, apart from the output.
const (
	markBoot = "@@moat-vm boot "
	markExit = "@@moat-vm exit="
)

// KernelCmdline is the guest kernel's command line: BPF LSM and SELinux on.
const KernelCmdline = "console=ttyS0 loglevel=4 panic=-1 rdinit=/init " +
	"lsm=lockdown,capability,selinux,bpf random.trust_cpu=on"

func qemuArgs(o Options, k Kernel, accel, initrd, console string) []string {
	args := []string{
		"-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
		"-m", strconv.Itoa(o.MemoryMB), "-smp", strconv.Itoa(o.CPUs),
		"-kernel", k.Vmlinuz, "-initrd", initrd,
		"-append", KernelCmdline,
		"-serial", "file:" + console, // ttyS0: the kernel console
		"-chardev", "stdio,id=out,signal=off", "-serial", "chardev:out", // ttyS1: the test
	}
	return append(args, AccelArgs(accel, o.Icount)...)
}

// AccelArgs are QEMU's accelerator and CPU arguments: KVM with the host's
// CPU, or multi-threaded TCG, deterministic with icount.
func AccelArgs(accel string, icount bool) []string {
	if accel == "kvm" {
		return []string{"-accel", "kvm", "-cpu", "host"}
	}
	if icount { // QEMU runs icount on one TCG thread only
		return []string{"-accel", "tcg", "-cpu", "max", "-icount", "shift=0,sleep=off"}
	}
	return []string{"-accel", "tcg,thread=multi", "-cpu", "max"}
}

// result is what the guest reported on its serial port.
type result struct {
	release, lsm string
	bootAt       time.Time
	exit         int
	exited       bool
}

// boot runs one VM to the end and streams the test output to out.
func boot(ctx context.Context, o Options, k Kernel, accel, initrd, console string, out io.Writer) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", qemuArgs(o, k, accel, initrd, console)...)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start qemu-system-x86_64: %w (install qemu-system-x86: make deps)", err)
	}
	res := stream(pipe, out, func(r *result) {
		fmt.Fprintf(out, "vm: kernel %s lsm=%s accel=%s boot=%.1fs\n",
			r.release, r.lsm, accelName(accel, o), r.bootAt.Sub(start).Seconds())
	})
	werr := cmd.Wait()
	switch {
	case res.exited:
		return res.exit, nil
	case ctx.Err() != nil:
		return 0, fmt.Errorf("timed out after %s (MOAT_VM_TIMEOUT)\n%s", o.Timeout, consoleTail(console))
	default:
		return 0, fmt.Errorf("%w: qemu: %v\n%s", errNoExit, werr, consoleTail(console))
	}
}

func accelName(accel string, o Options) string {
	if accel == "tcg" && o.Icount {
		return "tcg,icount"
	}
	return accel
}

// stream copies the guest's output to out, taking the marker lines out.
func stream(r io.Reader, out io.Writer, booted func(*result)) result {
	var res result
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		switch {
		case strings.HasPrefix(line, markBoot):
			res.bootAt = time.Now()
			res.release, res.lsm = parseBoot(strings.TrimSpace(line[len(markBoot):]))
			booted(&res)
		case strings.HasPrefix(line, markExit):
			if n, err := strconv.Atoi(strings.TrimSpace(line[len(markExit):])); err == nil {
				res.exit, res.exited = n, true
			}
		default:
			io.WriteString(out, line)
		}
		if err != nil {
			return res
		}
	}
}

func parseBoot(s string) (release, lsm string) {
	for _, f := range strings.Fields(s) {
		if v, ok := strings.CutPrefix(f, "release="); ok {
			release = v
		}
		if v, ok := strings.CutPrefix(f, "lsm="); ok {
			lsm = v
		}
	}
	return release, lsm
}

// consoleTail returns the end of the kernel console for a failure report.
func consoleTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no kernel console: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return "--- kernel console (last lines) ---\n" + strings.Join(lines, "\n")
}

var errKVM = errors.New("kvm does not work here")
