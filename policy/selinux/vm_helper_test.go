//go:build vmtest

package selinux

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"

	moatruntime "github.com/moat-sh/moat/containerd/runtime"
	goselinux "github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"
)

// The VM tests re-execute this test binary as a helper under another
// label: with MOAT_SELINUX_HELPER=1 in its environment, TestMain runs
// the command in os.Args[1:] instead of the tests and prints one word,
// the outcome of the attempt: ok, or the errno's name (EACCES, EPERM).

const helperEnv = "MOAT_SELINUX_HELPER"

func init() { helperMain = runHelper }

func runHelper() bool {
	if os.Getenv(helperEnv) != "1" {
		return false
	}
	out, err := helperCommand(os.Args[1:])
	switch {
	case err == nil:
		fmt.Println("ok" + out)
	default:
		fmt.Println(errnoName(err))
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(0)
	return true
}

// errnoName is the name of the errno inside err, or its text.
func errnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	return "error: " + err.Error()
}

// helperCommand runs one attempt. Commands:
//
//	exec LABEL PATH ARGS...  set the exec label, then exec PATH in place
//	chroot DIR CMD...        chroot to DIR, then run CMD
//	label                    print the current label
//	read PATH | write PATH | create PATH | list DIR
//	respec DIR               replace DIR/config.json as moatd labels a spec
//	relabel PATH LABEL       set a file's label
//	signal PID | sigchld PID send SIGURG or SIGCHLD to a process
//	ptrace PID               seize a process
//	sndbufforce              set SO_SNDBUFFORCE on a socket (CAP_NET_ADMIN)
//	module PATH              finit_module on a file (CAP_SYS_MODULE)
//	sleep                    wait to be killed
func helperCommand(args []string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("no helper command")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "exec":
		return "", helperExec(args[0], args[1], args[1:])
	case "chroot":
		if err := unix.Chroot(args[0]); err != nil {
			return "", err
		}
		if err := unix.Chdir("/"); err != nil {
			return "", err
		}
		return helperCommand(args[1:])
	case "label":
		label, err := goselinux.CurrentLabel()
		return " " + label, err
	case "read":
		_, err := os.ReadFile(args[0])
		return "", err
	case "write":
		return "", appendTo(args[0])
	case "create":
		return "", os.WriteFile(args[0], []byte("created\n"), 0o644)
	case "list":
		_, err := os.ReadDir(args[0])
		return "", err
	case "respec":
		return "", moatruntime.WriteSpec(args[0], []byte(`{"ociVersion":"1.2.0"}`))
	case "relabel":
		return "", unix.Setxattr(args[0], "security.selinux", []byte(args[1]), 0)
	case "signal", "sigchld", "ptrace":
		return "", toProcess(cmd, args[0])
	case "sndbufforce":
		return "", sndBufForce()
	case "module":
		return "", finitModule(args[0])
	case "sleep":
		time.Sleep(time.Hour)
		return "", nil
	}
	return "", fmt.Errorf("unknown helper command %q", cmd)
}

// helperExec sets the exec label of this thread and executes from it:
// the label is per thread, so the goroutine stays on it.
func helperExec(label, path string, argv []string) error {
	runtime.LockOSThread()
	if err := goselinux.SetExecLabel(label); err != nil {
		return err
	}
	return unix.Exec(path, argv, os.Environ())
}

func appendTo(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString("written\n")
	return err
}

func toProcess(cmd, pid string) error {
	n, err := strconv.Atoi(pid)
	if err != nil {
		return err
	}
	switch cmd {
	case "signal":
		return unix.Kill(n, unix.SIGURG)
	case "sigchld":
		return unix.Kill(n, unix.SIGCHLD)
	}
	return unix.PtraceSeize(n)
}

func sndBufForce() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 1<<20)
}

func finitModule(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.FinitModule(int(f.Fd()), "", 0)
}
