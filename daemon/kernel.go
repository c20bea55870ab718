package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// KernelState is what moatd needs to know of the running kernel.
type KernelState struct {
	LSMs       []string // active LSMs, in order
	SELinux    string   // "enforcing", "permissive", "no policy" or "absent"
	CgroupV2   bool     // cgroup2 mounted at /sys/fs/cgroup
	BPFFS      bool     // bpffs mounted at /sys/fs/bpf
	Lockdown   string   // none, integrity or confidentiality
	Release    string
	CmdlineLSM string // the lsm= argument, if any
}

// Filesystem roots, variables so that tests can point them elsewhere.
var (
	sysRoot  = "/sys"
	procRoot = "/proc"
)

// ReadKernel reads the kernel's state from securityfs, selinuxfs and proc.
func ReadKernel() KernelState {
	var k KernelState
	k.LSMs = strings.FieldsFunc(readTrim(filepath.Join(sysRoot, "kernel/security/lsm")), func(r rune) bool { return r == ',' })
	k.SELinux = readSELinuxState()
	k.CgroupV2 = fsMagic(filepath.Join(sysRoot, "fs/cgroup")) == unix.CGROUP2_SUPER_MAGIC
	k.BPFFS = fsMagic(filepath.Join(sysRoot, "fs/bpf")) == unix.BPF_FS_MAGIC
	k.Lockdown = lockdownMode(readTrim(filepath.Join(sysRoot, "kernel/security/lockdown")))
	k.Release = readTrim(filepath.Join(procRoot, "sys/kernel/osrelease"))
	for _, arg := range strings.Fields(readTrim(filepath.Join(procRoot, "cmdline"))) {
		if v, ok := strings.CutPrefix(arg, "lsm="); ok {
			k.CmdlineLSM = v
		}
	}
	return k
}

// Requirements says what the kernel lacks for the families that enforce or
// audit. Each error names the setting that fixes it.
func (k KernelState) Requirements(needBPF, needSELinux bool) error {
	var errs []error
	if needBPF && !k.hasLSM("bpf") {
		errs = append(errs, fmt.Errorf("BPF LSM is not active (active: %s): add bpf to the kernel's lsm= parameter, e.g. lsm=%s", strings.Join(k.LSMs, ","), k.suggestLSM()))
	}
	if needSELinux && (k.SELinux == "absent" || !k.hasLSM("selinux")) {
		errs = append(errs, fmt.Errorf("SELinux is not active: add selinux to the kernel's lsm= parameter (lsm=%s) and do not boot with selinux=0", k.suggestLSM()))
	}
	if !k.CgroupV2 {
		errs = append(errs, errors.New("cgroup v2 is not mounted at /sys/fs/cgroup: boot with systemd.unified_cgroup_hierarchy=1 (cgroup_no_v1=all)"))
	}
	if needBPF && !k.BPFFS {
		errs = append(errs, errors.New("bpffs is not mounted at /sys/fs/bpf: mount -t bpf bpf /sys/fs/bpf (systemd does this by default)"))
	}
	return errors.Join(errs...)
}

func (k KernelState) hasLSM(name string) bool {
	for _, l := range k.LSMs {
		if l == name {
			return true
		}
	}
	return false
}

// suggestLSM is the active list with selinux and bpf added.
func (k KernelState) suggestLSM() string {
	list := []string{}
	for _, l := range k.LSMs {
		if l != "" && l != "bpf" && l != "selinux" {
			list = append(list, l)
		}
	}
	return strings.Join(append(list, "selinux", "bpf"), ",")
}

func readSELinuxState() string {
	enforce, err := os.ReadFile(filepath.Join(sysRoot, "fs/selinux/enforce"))
	if err != nil {
		return "absent"
	}
	if _, err := os.Stat(filepath.Join(sysRoot, "fs/selinux/policy")); err != nil {
		return "no policy"
	}
	if strings.TrimSpace(string(enforce)) == "1" {
		return "enforcing"
	}
	return "permissive"
}

// lockdownMode picks the bracketed mode out of "none [integrity] confidentiality".
func lockdownMode(s string) string {
	if i, j := strings.Index(s, "["), strings.Index(s, "]"); i >= 0 && j > i {
		return s[i+1 : j]
	}
	return "unknown"
}

func fsMagic(path string) int64 {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return 0
	}
	return int64(st.Type)
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}
