package guest

import (
	"flag"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Main is the whole of cmd/moat-supervise. In the initramfs (where
// /stage1.json exists) it is stage 1; after the switch it is PID 1, the
// supervisor, and powers the VM off when the scenario ends.
func Main(args []string) int {
	if _, err := os.Stat(Stage1ConfigPath); err == nil && os.Getpid() == 1 {
		err := Stage1()
		fmt.Fprintf(os.Stderr, "moat stage 1: %v\n", err)
		if out, oerr := openOutput("/dev/ttyS1"); oerr == nil {
			fail(out, "stage 1: %v", err)
		}
		reportAndPowerOff(ExitStage1)
	}
	if len(args) > 0 && args[0] == "ctl" {
		return ctl(args[1:])
	}
	o, err := parseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if os.Getpid() != 1 {
		return Supervise(o, os.Stdout, &lockedWriter{w: os.Stderr})
	}
	code := pid1(o)
	reportAndPowerOff(code)
	return code
}

func parseFlags(args []string) (Options, error) {
	fs := flag.NewFlagSet("moat-supervise", flag.ContinueOnError)
	var o Options
	fs.StringVar(&o.Units, "units", "/etc/moat-supervise/units.yaml", "the unit file")
	fs.StringVar(&o.Scenario, "scenario", "", "the scenario JSON to run once the units are ready")
	fs.StringVar(&o.Output, "output", "/dev/ttyS1", "where the scenario's output and the markers go")
	fs.StringVar(&o.RunDir, "run-dir", "/run/moat-supervise", "notify sockets")
	fs.StringVar(&o.LogDir, "log-dir", "/var/log/units", "unit log files")
	return o, fs.Parse(args)
}

// pid1 prepares the instance (state folders, hostname) and supervises.
func pid1(o Options) int {
	for _, d := range []string{"/var/lib/containerd", "/var/lib/moat", "/var/log", "/var/tmp", "/run/moat"} {
		os.MkdirAll(d, 0o755)
	}
	os.Chmod("/var/tmp", 0o1777)
	unix.Sethostname([]byte("moat-instance"))
	out, err := openOutput(o.Output)
	if err != nil {
		fmt.Fprintf(os.Stderr, "moat-supervise: %v\n", err)
		return ExitNoScenario
	}
	return Supervise(o, out, &lockedWriter{w: os.Stderr})
}

func openOutput(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	if t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
		t.Oflag &^= unix.OPOST
		unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
	}
	return f, nil
}

// reportAndPowerOff writes the exit marker to the host and powers off.
func reportAndPowerOff(code int) {
	if out, err := openOutput("/dev/ttyS1"); err == nil {
		fmt.Fprintf(out, "\n%s%d\n", MarkExit, code)
		out.Close()
	}
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}

// fail tells the host why no scenario exit code will come.
func fail(out *os.File, format string, args ...any) {
	fmt.Fprintf(out, "\n%s%s\n", MarkFail, fmt.Sprintf(format, args...))
}

// ctl is `moat-supervise ctl stop|kill|start NAME` or `ctl status`.
func ctl(args []string) int {
	out, err := Control("/run/moat-supervise", args)
	fmt.Print(out)
	if err != nil {
		if out == "" {
			fmt.Fprintf(os.Stderr, "moat-supervise ctl: %v\n", err)
		}
		return 1
	}
	return 0
}
