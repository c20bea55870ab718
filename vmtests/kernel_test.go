//go:build vmtest

package vmtests

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestKernelHasWhatMoatNeeds checks the VM's kernel: BPF LSM and SELinux
// active, cgroup v2, bpffs and selinuxfs mounted.
func TestKernelHasWhatMoatNeeds(t *testing.T) {
	requireVM(t)
	lsm, err := os.ReadFile("/sys/kernel/security/lsm")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bpf", "selinux"} {
		if !strings.Contains(","+string(lsm)+",", ","+want+",") {
			t.Errorf("active LSMs %q lack %s", lsm, want)
		}
	}
	magic := map[string]int64{
		"/sys/fs/cgroup":  unix.CGROUP2_SUPER_MAGIC,
		"/sys/fs/bpf":     unix.BPF_FS_MAGIC,
		"/sys/fs/selinux": unix.SELINUX_MAGIC,
	}
	for path, want := range magic {
		var st unix.Statfs_t
		if err := unix.Statfs(path, &st); err != nil {
			t.Errorf("statfs %s: %v", path, err)
		} else if st.Type != want {
			t.Errorf("%s: filesystem magic %#x, want %#x", path, st.Type, want)
		}
	}
}
