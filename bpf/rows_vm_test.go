//go:build vmtest

package bpf

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// row is one bypass: deny is the attempt the rule refuses when enforcing
// (and reports when auditing), allow is its counterpart that must still
// work while the rule enforces. d is the row's own folder on the
// protected filesystem.
type row struct {
	name  string
	rule  Rule
	deny  func(f *fixture, d string) error
	allow func(f *fixture, d string) error
}

func openFlags(path string, flags int) error {
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0o644)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

func in(d, name string) string { return filepath.Join(d, name) }

func writeTmp(*fixture, string) error {
	return os.WriteFile("/tmp/moat-allowed", []byte("y"), 0o644)
}

func readFile(_ *fixture, d string) error { return openFlags(in(d, "f"), unix.O_RDONLY) }

var rootRows = []row{
	{"open-write", RuleRootWrite, func(_ *fixture, d string) error { return openFlags(in(d, "f"), unix.O_WRONLY) }, writeTmp},
	{"open-append", RuleRootWrite, func(_ *fixture, d string) error { return openFlags(in(d, "f"), unix.O_WRONLY|unix.O_APPEND) }, readFile},
	{"truncate", RuleRootWrite, func(_ *fixture, d string) error { return unix.Truncate(in(d, "f"), 0) }, writeTmp},
	{"create", RuleRootWrite, func(_ *fixture, d string) error { return openFlags(in(d, "new"), unix.O_CREAT|unix.O_WRONLY) }, writeTmp},
	{"mkdir", RuleRootWrite, func(_ *fixture, d string) error { return unix.Mkdir(in(d, "nd"), 0o755) },
		func(*fixture, string) error { return os.MkdirAll("/tmp/moat-nd", 0o755) }},
	{"mknod", RuleRootWrite, func(_ *fixture, d string) error { return unix.Mknod(in(d, "fifo"), unix.S_IFIFO|0o644, 0) }, writeTmp},
	{"unlink", RuleRootWrite, func(_ *fixture, d string) error { return unix.Unlink(in(d, "f")) }, readFile},
	{"rmdir", RuleRootWrite, func(_ *fixture, d string) error { return unix.Rmdir(in(d, "d")) }, readFile},
	{"rename", RuleRootWrite, func(_ *fixture, d string) error { return unix.Rename(in(d, "f"), in(d, "g")) }, readFile},
	{"hard-link-then-write", RuleRootWrite, hardLinkThenWrite, readFile},
	{"symlink", RuleRootWrite, func(_ *fixture, d string) error { return unix.Symlink("/tmp/x", in(d, "s")) }, readFile},
	{"chmod", RuleRootWrite, func(_ *fixture, d string) error { return unix.Chmod(in(d, "f"), 0o777) }, readFile},
	{"chown", RuleRootWrite, func(_ *fixture, d string) error { return unix.Chown(in(d, "f"), 1, 1) }, readFile},
	{"utimes", RuleRootWrite, func(_ *fixture, d string) error {
		return unix.UtimesNano(in(d, "f"), []unix.Timespec{{Sec: 1}, {Sec: 1}})
	}, readFile},
	{"setxattr", RuleRootWrite, func(_ *fixture, d string) error { return unix.Setxattr(in(d, "f"), "user.x", []byte("1"), 0) },
		func(_ *fixture, d string) error {
			_, err := unix.Getxattr(in(d, "f"), "user.y", make([]byte, 8))
			return err
		}},
	{"removexattr", RuleRootWrite, func(_ *fixture, d string) error { return unix.Removexattr(in(d, "f"), "user.y") }, readFile},
	{"chattr", RuleRootWrite, chattr, readFile},
	{"remount-rw", RuleRootMount, func(f *fixture, _ string) error { return unix.Mount("", f.P, "", unix.MS_REMOUNT, "") },
		func(*fixture, string) error { return unix.Mount("", "/tmp", "", unix.MS_REMOUNT, "mode=1777") }},
	{"tmpfs-over-dir", RuleRootMount, func(_ *fixture, d string) error { return mountTmpfs(in(d, "d")) },
		func(f *fixture, _ string) error { return mountTmpfs(in(f.P, "allowed")) }},
	{"move-mount-over-dir", RuleRootMount, func(_ *fixture, d string) error { return moveMountTmpfs(in(d, "d")) },
		func(f *fixture, _ string) error { return moveMountTmpfs(in(f.P, "allowed")) }},
	{"fspick-rw-then-write", RuleRootWrite, fspickThenWrite, func(*fixture, string) error { return fspickRW("/tmp") }},
	{"bind-then-remount-rw", RuleRootMount, func(_ *fixture, d string) error { return bindRemount(d, 0) },
		func(_ *fixture, d string) error { return bindRemount(d, unix.MS_RDONLY) }},
	{"raw-block-device-write", RuleRootBlockDevice, func(f *fixture, _ string) error { return openFlags(f.loop, unix.O_WRONLY) },
		func(f *fixture, _ string) error { return openFlags(f.loop, unix.O_RDONLY) }},
}

func hardLinkThenWrite(_ *fixture, d string) error {
	if err := unix.Link(in(d, "f"), in(d, "h")); err != nil {
		return err
	}
	return openFlags(in(d, "h"), unix.O_WRONLY)
}

func chattr(_ *fixture, d string) error {
	fd, err := unix.Open(in(d, "f"), unix.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, 0x80) // FS_NOATIME_FL
}

func mountTmpfs(dir string) error {
	if err := unix.Mount("none", dir, "tmpfs", 0, ""); err != nil {
		return err
	}
	return unix.Unmount(dir, 0)
}

// moveMountTmpfs puts a tmpfs on dir with the new mount API.
func moveMountTmpfs(dir string) error {
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return err
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(mnt)
	if err := unix.MoveMount(mnt, "", unix.AT_FDCWD, dir, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return err
	}
	return unix.Unmount(dir, unix.MNT_DETACH) // mnt still holds it
}

// fspickThenWrite remounts the protected filesystem read-write with the
// new mount API (no LSM hook sees fsconfig's "rw" on 6.1) and writes: the
// write is refused by superblock, whatever the mount's flags.
func fspickThenWrite(f *fixture, d string) error {
	if err := fspick(f.P, "ro"); err != nil {
		return err
	}
	if err := fspick(f.P, "rw"); err != nil {
		return err
	}
	return openFlags(in(d, "f"), unix.O_WRONLY)
}

func fspickRW(dir string) error { return fspick(dir, "rw") }

// fspick reconfigures the filesystem at dir with one flag ("ro", "rw").
func fspick(dir, flag string) error {
	fd, err := unix.Fspick(unix.AT_FDCWD, dir, unix.FSPICK_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.FsconfigSetFlag(fd, flag); err != nil {
		return err
	}
	return unix.FsconfigReconfigure(fd)
}

// bindRemount bind-mounts a protected folder into /tmp, then remounts
// the bind mount with flags (0: writable).
func bindRemount(d string, flags uintptr) error {
	target := "/tmp/moat-bind"
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	if err := unix.Mount(d, target, "", unix.MS_BIND, ""); err != nil {
		return err
	}
	defer unix.Unmount(target, unix.MNT_DETACH)
	return unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|flags, "")
}

// run execs a program from the test (host context) and waits for it.
func run(path string, args ...string) error {
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	cmd.Wait()
	return nil
}

const ldso = "/lib64/ld-linux-x86-64.so.2"

// runLoader runs prog through the dynamic loader, which maps it itself.
// glibc's loader reports a refused mmap as "failed to map segment"
// without the errno; the row's event check shows it was moat's EPERM.
func runLoader(prog string) error {
	out, err := exec.Command(ldso, prog).CombinedOutput()
	if strings.Contains(string(out), "failed to map segment") {
		return unix.EPERM
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", ldso, prog, err, out)
	}
	return nil
}

func runFd(f *os.File, args ...string) error {
	cmd := exec.Command("/proc/self/fd/3", args...)
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		return err
	}
	cmd.Wait()
	return nil
}

// inContainer runs a program in a registered container without opt-ins.
func inContainer(path string, args ...string) func(*fixture, string) error {
	return func(f *fixture, _ string) error {
		return runIn(f.e, containerCtx("shell", 0), "exec", append([]string{path}, args...)...)
	}
}

func memfdExec(*fixture, string) error {
	fd, err := unix.MemfdCreate("sh", 0)
	if err != nil {
		return err
	}
	mf := os.NewFile(uintptr(fd), "memfd")
	defer mf.Close()
	if err := copyInto(mf, "/bin/busybox"); err != nil {
		return err
	}
	return runFd(mf, "-c", "true")
}

func copyInto(dst *os.File, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	_, err = dst.Write(b)
	return err
}

func procFdExec(*fixture, string) error {
	f, err := os.Open("/tmp/sh")
	if err != nil {
		return err
	}
	defer f.Close()
	return runFd(f, "-c", "true")
}

func execRows() []row {
	rows := []row{
		{"exec-copied-shell", RuleExecUnprotected, func(*fixture, string) error { return run("/tmp/sh", "-c", "true") }, inContainer("/tmp/sh", "-c", "true")},
		{"exec-copied-shell-host-service", RuleExecUnprotected, helperOp(hostSvcCtx, "exec", "/tmp/sh", "-c", "true"), inContainer("/tmp/sh", "-c", "true")},
		{"exec-memfd", RuleExecUnprotected, memfdExec, func(*fixture, string) error { return run("/usr/bin/true") }},
		{"exec-proc-self-fd", RuleExecUnprotected, procFdExec, inContainer("/tmp/sh", "-c", "true")},
		{"exec-symlinked-shell", RuleExecDenylist, func(*fixture, string) error { return run("/tmp/shlink", "-c", "true") }, inContainer("/tmp/shlink", "-c", "true")},
		{"exec-hard-linked-shell", RuleExecDenylist, func(*fixture, string) error { return run("/usr/local/bin/hardsh", "-c", "true") }, inContainer("/usr/local/bin/hardsh", "-c", "true")},
		{"exec-via-ld.so", RuleExecUnprotected, func(*fixture, string) error { return runLoader("/tmp/true") }, inContainer(ldso, "/tmp/true")},
		{"exec-denylisted-via-ld.so", RuleExecDenylist, func(*fixture, string) error { return runLoader(denyDir + "/bash") }, inContainer(ldso, denyDir+"/bash")},
		{"exec-script-interpreter", RuleExecDenylist, func(*fixture, string) error { return run("/usr/local/bin/script") }, inContainer("/usr/local/bin/script")},
	}
	for _, n := range DefaultDenyNames {
		p := filepath.Join(denyDir, n)
		rows = append(rows, row{"exec-denylisted-" + n, RuleExecDenylist, func(*fixture, string) error { return run(p) }, inContainer(p)})
	}
	return rows
}

var optIn = CapMask(CapNetAdmin, CapSysAdmin, CapBPF)

func helperOp(ctx context, op string, args ...string) func(*fixture, string) error {
	return func(f *fixture, _ string) error { return runIn(f.e, ctx, op, args...) }
}

var capsRows = []row{
	{"net-admin-registered", RuleCapability, helperOp(containerCtx("none", 0), "link", "moat0"), helperOp(containerCtx("optin", optIn), "link", "moat1")},
	{"net-admin-unknown", RuleCapability, helperOp(unknownCtx, "link", "moat2"), helperOp(hostCtx, "link", "moat3")},
	{"net-admin-unknown-vs-host-service", RuleCapability, helperOp(unknownCtx, "link", "moat4"), helperOp(hostSvcCtx, "link", "moat5")},
	{"sys-admin-mount-registered", RuleCapability, helperOp(containerCtx("none", 0), "mount", "/tmp"), helperOp(containerCtx("optin", optIn), "mount", "/tmp")},
	{"sys-admin-mount-unknown", RuleCapability, helperOp(unknownCtx, "mount", "/tmp"), helperOp(hostCtx, "mount", "/tmp")},
	{"sys-admin-mount-runtime-setup", RuleCapability, helperOp(unknownCtx, "mount", "/tmp"), helperOp(runtimeCtx, "mount", "/tmp")},
	{"bpf-load-registered", RuleCapabilityBPF, helperOp(containerCtx("none", 0), "bpf"), helperOp(containerCtx("optin", optIn), "bpf")},
	{"bpf-load-unknown", RuleCapabilityBPF, helperOp(unknownCtx, "bpf"), helperOp(hostCtx, "bpf")},
}

const otherPin = "/sys/fs/bpf/moat-test-other"

// Tamper rows act from the test process while a victim helper is the
// daemon. The kill row comes last: in audit mode it kills the victim.
var tamperRows = []row{
	{"open-pinned-map", RuleTamperBPF, func(*fixture, string) error {
		m, err := ebpf.LoadPinnedMap(filepath.Join(DefaultPinDir, "maps", "moat_containers"), nil)
		if err == nil {
			m.Close()
		}
		return err
	}, openOtherMap},
	{"open-registry", RuleTamperBPF, helperOp(hostCtx, "registry"), helperOp(runtimeHostCtx, "registry")},
	{"detach-link", RuleTamperBPF, func(*fixture, string) error {
		return detachPinned(filepath.Join(DefaultPinDir, "links", "moat_file_ioctl"))
	}, detachProbe},
	{"unlink-state", RuleTamperFile, func(*fixture, string) error { return os.Remove(filepath.Join(stateDir, "key")) },
		func(*fixture, string) error { return os.Remove("/tmp/moat-allowed") }},
	{"rename-pin", RuleTamperFile, func(*fixture, string) error {
		l := filepath.Join(DefaultPinDir, "links")
		if err := os.Rename(filepath.Join(l, "moat_file_ioctl"), filepath.Join(l, "x")); err != nil {
			return err
		}
		return os.Rename(filepath.Join(l, "x"), filepath.Join(l, "moat_file_ioctl")) // audit mode
	}, func(*fixture, string) error { return os.Rename("/tmp/sh", "/tmp/sh2") }},
	{"unlink-pin", RuleTamperFile, func(*fixture, string) error {
		return os.Remove(filepath.Join(DefaultPinDir, "links", "moat_file_ioctl"))
	}, func(*fixture, string) error { return os.Remove(otherPin) }},
	{"kernel-module-load", RuleTamperKernelLoad, func(*fixture, string) error { return unix.InitModule(make([]byte, 4096), "") }, nil},
	{"ptrace-daemon", RuleTamperPtrace, func(f *fixture, _ string) error { return openFlags(procMem(f.victimPID()), unix.O_RDONLY) },
		func(*fixture, string) error { return openFlags("/proc/1/mem", unix.O_RDONLY) }},
	{"ptrace-seize-daemon", RuleTamperPtrace, func(f *fixture, _ string) error { return unix.PtraceSeize(f.victimPID()) }, seizeOther},
	{"kill-daemon", RuleTamperSignal, func(f *fixture, _ string) error { return unix.Kill(f.victimPID(), unix.SIGKILL) },
		func(f *fixture, _ string) error { return unix.Kill(f.victimPID(), 0) }},
}

// seizeOther ptraces a helper that is not the daemon, then ends it.
func seizeOther(*fixture, string) error {
	cmd := exec.Command("/proc/self/exe", "sleep")
	cmd.Env = append(os.Environ(), "MOAT_HELPER=1")
	stdin, _ := cmd.StdinPipe() // open until the end: it waits on it
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Wait()
	defer stdin.Close()
	defer cmd.Process.Kill()
	return unix.PtraceSeize(cmd.Process.Pid)
}

func procMem(pid int) string { return filepath.Join("/proc", strconv.Itoa(pid), "mem") }

func openOtherMap(*fixture, string) error {
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		return err
	}
	defer m.Close()
	os.Remove(otherPin)
	if err := m.Pin(otherPin); err != nil {
		return err
	}
	m2, err := ebpf.LoadPinnedMap(otherPin, nil)
	if err == nil {
		m2.Close()
	}
	return err
}

func detachPinned(pin string) error {
	l, err := link.LoadPinnedLink(pin, nil)
	if err != nil {
		return err
	}
	defer l.Close()
	return rawDetach(l.(interface{ FD() int }).FD())
}

// rawDetach issues BPF_LINK_DETACH itself: cilium/ebpf refuses tracing
// links before asking the kernel, and the hook must see the request.
func rawDetach(fd int) error {
	attr := [4]uint32{uint32(fd)}
	_, _, errno := unix.Syscall(unix.SYS_BPF, 34, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
	if errno != 0 {
		return errno
	}
	return nil
}

// detachProbe detaches a link that is not moat's: the kernel answers
// (tracing links do not support detach on 6.1), moat stays out of it.
func detachProbe(*fixture, string) error {
	if err := os.WriteFile("/tmp/moat-probe", nil, 0o644); err != nil {
		return err
	}
	p, err := AttachProbe("/tmp/moat-probe")
	if err != nil {
		return err
	}
	defer p.Close()
	if err := rawDetach(p.link.(interface{ FD() int }).FD()); err != nil && !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EINVAL) {
		return err
	}
	return nil
}
