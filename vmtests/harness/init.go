package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// guestMounts are the kernel filesystems every test finds mounted.
var guestMounts = []struct{ fstype, target, data string }{
	{"proc", "/proc", ""},
	{"sysfs", "/sys", ""},
	{"devtmpfs", "/dev", ""},
	{"devpts", "/dev/pts", "ptmxmode=0666"},
	{"tmpfs", "/dev/shm", ""},
	{"tmpfs", "/tmp", "mode=1777"},
	{"tmpfs", "/run", "mode=755"},
	{"cgroup2", "/sys/fs/cgroup", ""},
	{"bpf", "/sys/fs/bpf", ""},
	{"securityfs", "/sys/kernel/security", ""},
	{"selinuxfs", "/sys/fs/selinux", ""},
	{"tracefs", "/sys/kernel/tracing", ""},
}

// initMain runs as PID 1 in the guest: it never returns normally, it
// powers the VM off after reporting the test's exit code.
func initMain() int {
	out, err := os.OpenFile("/dev/ttyS1", os.O_WRONLY|unix.O_NOCTTY, 0)
	if err != nil {
		mountAll() // /dev may not be there yet
		out, err = os.OpenFile("/dev/ttyS1", os.O_WRONLY|unix.O_NOCTTY, 0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "init: open /dev/ttyS1: %v\n", err)
		powerOff()
	}
	code := guestRun(out)
	fmt.Fprintf(out, "\n%s%d\n", markExit, code)
	out.Close()
	powerOff()
	return code
}

func guestRun(out *os.File) int {
	if err := mountAll(); err != nil {
		fmt.Fprintf(out, "init: %v\n", err)
		return 125
	}
	makeRaw(out)
	unix.Sethostname([]byte("moat-vm"))
	spec, err := readSpec()
	if err == nil {
		err = LoadModules(spec.Modules)
	}
	if err != nil {
		fmt.Fprintf(out, "init: %v\n", err)
		return 125
	}
	fmt.Fprintf(out, "%srelease=%s lsm=%s\n", markBoot, readTrim("/proc/sys/kernel/osrelease"), readTrim("/sys/kernel/security/lsm"))
	if spec.Binary == "" {
		return 0
	}
	return runTest(spec, out)
}

// mounted says that mountAll ran: the init may call it early, to open
// its serial port, and again in guestRun.
var mounted bool

func mountAll() error {
	if mounted {
		return nil
	}
	mounted = true
	var errs []error
	for _, m := range guestMounts {
		os.MkdirAll(m.target, 0o755)
		shadow, err := shadowContent(m.target)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = unix.Mount(m.fstype, m.target, m.fstype, 0, m.data)
		if err != nil && !errors.Is(err, unix.EBUSY) {
			errs = append(errs, fmt.Errorf("mount %s on %s: %w", m.fstype, m.target, err))
			continue
		}
		errs = append(errs, bindBack(shadow, m.target))
	}
	return errors.Join(errs...)
}

// shadowContent moves what the image holds under a mount target (a tool
// under /tmp/..., from a checkout under /tmp) aside, so that bindBack can
// show it again through the new mount. It returns "" when there is none.
func shadowContent(target string) (string, error) {
	entries, err := os.ReadDir(target)
	if err != nil || len(entries) == 0 || (target != "/tmp" && target != "/run") {
		return "", nil
	}
	shadow := filepath.Join("/moat/shadow", target)
	if err := os.MkdirAll(filepath.Dir(shadow), 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(target, shadow); err != nil {
		return "", fmt.Errorf("move the image's %s aside: %w", target, err)
	}
	return shadow, os.MkdirAll(target, 0o755)
}

// bindBack binds each top-level entry of shadow into target.
func bindBack(shadow, target string) error {
	if shadow == "" {
		return nil
	}
	entries, err := os.ReadDir(shadow)
	if err != nil {
		return err
	}
	for _, e := range entries {
		src, dst := filepath.Join(shadow, e.Name()), filepath.Join(target, e.Name())
		if e.IsDir() {
			os.MkdirAll(dst, 0o755)
		} else {
			os.WriteFile(dst, nil, 0o644)
		}
		if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %s on %s: %w", src, dst, err)
		}
	}
	return nil
}

// makeRaw turns off the tty's output processing so that \n stays \n.
func makeRaw(f *os.File) {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return
	}
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG | unix.IEXTEN
	unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
}

func readSpec() (runSpec, error) {
	var s runSpec
	b, err := os.ReadFile(specPath)
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// LoadModules loads kernel module files in order; one already loaded is
// no error. The harness's init and the instance's stage 1 both use it.
func LoadModules(paths []string) error {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = unix.FinitModule(int(f.Fd()), "", 0)
		f.Close()
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("load module %s: %w", filepath.Base(p), err)
		}
	}
	return nil
}

// mountPackage puts the package folder at its host path.
func mountPackage(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := unix.Mount(filepath.Join(pkgRoot, dir), dir, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s: %w", dir, err)
	}
	return nil
}

func runTest(s runSpec, out *os.File) int {
	if err := mountPackage(s.Dir); err != nil {
		fmt.Fprintf(out, "init: %v\n", err)
		return 125
	}
	for _, a := range s.Args {
		makeArgDirs(a)
	}
	cmd := exec.Command(s.Binary, s.Args...)
	cmd.Dir, cmd.Env = s.Dir, s.Env
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		if exit.ExitCode() < 0 {
			fmt.Fprintf(out, "init: test binary: %v\n", err)
			return 126
		}
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintf(out, "init: run test binary: %v\n", err)
		return 127
	}
	return 0
}

// makeArgDirs creates the host folders that go test names in flags such
// as -test.testlogfile, so that the binary can write there.
func makeArgDirs(arg string) {
	name, val, ok := strings.Cut(arg, "=")
	if !ok || !strings.HasPrefix(name, "-test.") || !strings.HasPrefix(val, "/") {
		return
	}
	if strings.HasSuffix(name, "dir") {
		os.MkdirAll(val, 0o755)
	} else {
		os.MkdirAll(filepath.Dir(val), 0o755)
	}
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

func powerOff() {
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}
