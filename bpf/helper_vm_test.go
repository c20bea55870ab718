//go:build vmtest

package bpf

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// The test binary doubles as a helper that acts from a chosen context:
// MOAT_HELPER=1 runs helperMain instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("MOAT_HELPER") == "1" {
		os.Exit(helperMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helperMain leaves the initial mount namespace if asked, says "ready",
// waits for a line on stdin (the parent registers its cgroup meanwhile),
// runs one operation and prints its errno name, or OK.
func helperMain(args []string) int {
	// unshare moves only the calling thread: keep every later syscall on it.
	runtime.LockOSThread()
	if os.Getenv("MOAT_HELPER_UNSHARE") == "1" {
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			fmt.Println("unshare:", err)
			return 1
		}
	}
	fmt.Println("ready")
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		return 1
	}
	if len(args) == 0 {
		return 1
	}
	fmt.Println(errName(helperOps[args[0]](args[1:])))
	return 0
}

var helperOps = map[string]func([]string) error{
	"exec":   opExec,
	"mount":  opMount,
	"link":   opAddLink,
	"bpf":    opLoadBPF,
	"sleep":  func([]string) error { time.Sleep(time.Hour); return nil },
	"daemon": opDaemon,
	"registry": func([]string) error {
		r, err := OpenRegistry("")
		if err != nil {
			return err
		}
		defer r.Close()
		if err := r.Register(424242, CapMask(CapNetAdmin)); err != nil {
			return err
		}
		return r.Unregister(424242)
	},
}

// opDaemon loads moat protecting args[0], says OK, and on the next line
// from stdin dies by SIGKILL, as a crashing daemon would.
func opDaemon(args []string) error {
	if _, err := Load(survivalConfig(args[0])); err != nil {
		return err
	}
	fmt.Println("OK")
	bufio.NewReader(os.Stdin).ReadString('\n')
	return unix.Kill(os.Getpid(), unix.SIGKILL)
}

func opExec(args []string) error {
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		return err
	}
	cmd.Wait()
	return nil
}

func opMount(args []string) error {
	if err := unix.Mount("none", args[0], "tmpfs", 0, ""); err != nil {
		return err
	}
	return unix.Unmount(args[0], 0)
}

func opLoadBPF([]string) error {
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.SocketFilter,
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
		License:      "GPL",
	})
	if err != nil {
		return err
	}
	return p.Close()
}

// errName turns an error into the word the parent reads back.
func errName(err error) string {
	var errno unix.Errno
	switch {
	case err == nil:
		return "OK"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// context is where a helper acts from.
type context struct {
	name     string
	cgroup   string  // cgroup v2 folder, "" for the test's own
	unshare  bool    // leave the initial mount namespace
	register *uint64 // register the cgroup with this opt-in mask
	exe      string  // the helper's executable; "" for the test binary
}

const hostSubtree = "/sys/fs/cgroup/moat-system.slice"

var (
	hostCtx    = context{name: "host"}
	unknownCtx = context{name: "unknown", cgroup: "/sys/fs/cgroup/moat-unknown", unshare: true}
	// runtimeCtx is an unknown container running a registered runtime
	// executable, as runc init is before the wrapper registers the cgroup.
	// hostSvcCtx is a host service in a private mount namespace, in a
	// cgroup below a host subtree (as systemd runs PrivateTmp= services).
	hostSvcCtx = context{name: "host-service", cgroup: hostSubtree + "/svc", unshare: true}
	// runtimeHostCtx is the runtime wrapper: host context, runtime executable.
	runtimeHostCtx = context{name: "runtime-wrapper", exe: fakeRuntime}
	runtimeCtx     = context{name: "runtime", cgroup: "/sys/fs/cgroup/moat-runtime", unshare: true, exe: fakeRuntime}
)

func containerCtx(name string, caps uint64) context {
	return context{name: name, cgroup: "/sys/fs/cgroup/moat-" + name, unshare: true, register: &caps}
}

// runIn runs one helper operation from ctx and returns its error.
func runIn(e *Enforcer, ctx context, op string, args ...string) error {
	exe := "/proc/self/exe"
	if ctx.exe != "" {
		exe = ctx.exe
	}
	cmd := exec.Command(exe, append([]string{op}, args...)...)
	cmd.Env = append(os.Environ(), "MOAT_HELPER=1")
	if ctx.unshare {
		cmd.Env = append(cmd.Env, "MOAT_HELPER_UNSHARE=1")
	}
	if ctx.cgroup != "" {
		if err := os.MkdirAll(ctx.cgroup, 0o755); err != nil {
			return err
		}
		fd, err := unix.Open(ctx.cgroup, unix.O_DIRECTORY|unix.O_RDONLY, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		cmd.SysProcAttr = &unix.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	}
	return talk(e, ctx, cmd)
}

func talk(e *Enforcer, ctx context, cmd *exec.Cmd) error {
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start helper: %w", err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); line != "ready\n" {
		return fmt.Errorf("helper in %s: %q %v", ctx.name, line, err)
	}
	if ctx.register != nil {
		id, err := CgroupID(ctx.cgroup)
		if err != nil {
			return err
		}
		if err := e.RegisterContainer(id, *ctx.register); err != nil {
			return err
		}
		defer e.UnregisterContainer(id)
	}
	fmt.Fprintln(stdin, "go")
	line, err := out.ReadString('\n')
	if err != nil {
		return fmt.Errorf("helper in %s: %w", ctx.name, err)
	}
	return parseResult(strings.TrimSpace(line))
}

func parseResult(s string) error {
	if s == "OK" {
		return nil
	}
	for n := unix.Errno(1); n < 200; n++ {
		if unix.ErrnoName(n) == s {
			return n
		}
	}
	return errors.New(s)
}
