package daemon

import (
	"strings"
	"testing"
)

func TestRequirementsNameTheFix(t *testing.T) {
	ok := KernelState{LSMs: []string{"lockdown", "capability", "selinux", "bpf"}, SELinux: "enforcing", CgroupV2: true, BPFFS: true}
	tests := []struct {
		name        string
		k           KernelState
		bpf, selinx bool
		want        []string
	}{
		{"all there", ok, true, true, nil},
		{"no bpf lsm", KernelState{LSMs: []string{"lockdown", "capability", "apparmor"}, SELinux: "absent", CgroupV2: true, BPFFS: true}, true, false,
			[]string{"add bpf to the kernel's lsm= parameter", "lsm=lockdown,capability,apparmor,selinux,bpf"}},
		{"bpf off needs no bpf lsm", KernelState{LSMs: []string{"capability", "selinux"}, SELinux: "permissive", CgroupV2: true}, false, true, nil},
		{"no selinux", KernelState{LSMs: []string{"capability", "bpf"}, SELinux: "absent", CgroupV2: true, BPFFS: true}, true, true,
			[]string{"SELinux is not active", "selinux=0"}},
		{"cgroup v1", KernelState{LSMs: ok.LSMs, SELinux: "enforcing", BPFFS: true}, true, true, []string{"systemd.unified_cgroup_hierarchy=1"}},
		{"no bpffs", KernelState{LSMs: ok.LSMs, SELinux: "enforcing", CgroupV2: true}, true, true, []string{"mount -t bpf"}},
	}
	for _, tt := range tests {
		err := tt.k.Requirements(tt.bpf, tt.selinx)
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v, want none", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error, want %q", tt.name, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tt.name, err, w)
			}
		}
	}
}

func TestLockdownMode(t *testing.T) {
	for in, want := range map[string]string{
		"[none] integrity confidentiality": "none",
		"none [integrity] confidentiality": "integrity",
		"":                                 "unknown",
	} {
		if got := lockdownMode(in); got != want {
			t.Errorf("lockdownMode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadKernelOnThisHost(t *testing.T) {
	k := ReadKernel()
	if k.Release == "" {
		t.Errorf("ReadKernel on this host gave %+v: want a release", k)
	}
	for _, l := range k.LSMs {
		if l == "" {
			t.Errorf("LSM list %q has an empty entry", k.LSMs)
		}
	}
}
