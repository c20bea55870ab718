package selinux

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeKernel lays out the files a kernel would show, in a temp dir.
type fakeKernel struct {
	selinux  bool   // selinuxfs registered
	mounted  bool   // selinuxfs mounted (enforce present)
	loaded   bool   // a policy is loaded (class/ populated)
	enforce  string // content of enforce
	lsm      string // active LSMs, "" for no securityfs
	policy   string // content of the policy file
	mountErr error
}

func (f fakeKernel) build(t *testing.T) (kernel, string) {
	t.Helper()
	root := t.TempDir()
	fs := filepath.Join(root, "selinux")
	write := func(path, data string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	filesystems := "nodev\tsysfs\nnodev\tproc\n"
	if f.selinux {
		filesystems += "nodev\tselinuxfs\n"
	}
	write(filepath.Join(root, "filesystems"), filesystems)
	if f.lsm != "" {
		write(filepath.Join(root, "lsm"), f.lsm)
	}
	populate := func(dir string) {
		write(filepath.Join(dir, "enforce"), f.enforce)
		write(filepath.Join(dir, "load"), "")
		write(filepath.Join(dir, "policy"), f.policy)
		if f.loaded {
			os.MkdirAll(filepath.Join(dir, "class", "file"), 0o755)
		}
	}
	if f.mounted {
		populate(fs)
	}
	k := kernel{
		selinuxfs:   fs,
		filesystems: filepath.Join(root, "filesystems"),
		lsm:         filepath.Join(root, "lsm"),
		mount: func(dir string) error {
			if f.mountErr != nil {
				return f.mountErr
			}
			populate(dir)
			return nil
		},
	}
	return k, fs
}

func TestMode(t *testing.T) {
	cases := []struct {
		name string
		k    fakeKernel
		want Enforcement
	}{
		{"no selinux", fakeKernel{lsm: "lockdown,capability,bpf"}, Disabled},
		{"no policy yet", fakeKernel{selinux: true, mounted: true, enforce: "0"}, NoPolicy},
		{"permissive", fakeKernel{selinux: true, mounted: true, loaded: true, enforce: "0"}, Permissive},
		{"enforcing", fakeKernel{selinux: true, mounted: true, loaded: true, enforce: "1"}, Enforcing},
		{"mounts selinuxfs", fakeKernel{selinux: true, loaded: true, enforce: "1"}, Enforcing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, _ := c.k.build(t)
			got, err := k.mode()
			if err != nil || got != c.want {
				t.Fatalf("mode() = %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestNotEnabledNamesTheKernelParameter(t *testing.T) {
	cases := []struct {
		lsm  string
		want string
	}{
		{"lockdown,capability,bpf", "lsm=lockdown,capability,bpf,selinux"},
		{"capability,apparmor,bpf", "lsm=capability,bpf,selinux"},
		{"", "lsm=...,selinux"},
	}
	for _, c := range cases {
		k, _ := fakeKernel{lsm: c.lsm}.build(t)
		policy := goodPolicy(t)
		for name, err := range map[string]error{
			"load":       k.load(policy),
			"setEnforce": k.setEnforce(true),
		} {
			if !errors.Is(err, ErrNotEnabled) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "selinux=1") {
				t.Errorf("lsm %q: %s: got %v, want ErrNotEnabled naming %s and selinux=1", c.lsm, name, err, c.want)
			}
		}
		if _, err := k.policySHA256(); !errors.Is(err, ErrNotEnabled) {
			t.Errorf("lsm %q: policySHA256: got %v, want ErrNotEnabled", c.lsm, err)
		}
	}
}

func TestLoadWritesThePolicy(t *testing.T) {
	k, fs := fakeKernel{selinux: true, enforce: "0"}.build(t)
	policy := goodPolicy(t)
	want, _ := os.ReadFile(policy)
	if err := k.load(policy); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(fs, "load")); string(got) != string(want) {
		t.Fatalf("load file holds %q, want the policy", got)
	}
	if err := k.load(filepath.Join(t.TempDir(), "missing.pol")); err == nil || !strings.Contains(err.Error(), "missing.pol") {
		t.Fatalf("loading a missing file: got %v, want an error naming it", err)
	}
}

func TestLoadMountFailure(t *testing.T) {
	k, _ := fakeKernel{selinux: true, mountErr: errors.New("permission denied")}.build(t)
	err := k.load(goodPolicy(t))
	if err == nil || !strings.Contains(err.Error(), "mount selinuxfs") {
		t.Fatalf("got %v, want an error about mounting selinuxfs", err)
	}
}

func TestSetEnforce(t *testing.T) {
	k, fs := fakeKernel{selinux: true, mounted: true, loaded: true, enforce: "0"}.build(t)
	for _, c := range []struct {
		on   bool
		want string
	}{{true, "1"}, {false, "0"}} {
		if err := k.setEnforce(c.on); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(fs, "enforce")); string(got) != c.want {
			t.Fatalf("setEnforce(%v) wrote %q, want %q", c.on, got, c.want)
		}
	}
}

func TestPolicySHA256(t *testing.T) {
	k, _ := fakeKernel{selinux: true, mounted: true, policy: "abc"}.build(t)
	got, err := k.policySHA256()
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" // sha256("abc")
	if err != nil || got != want {
		t.Fatalf("policySHA256() = %q, %v; want %q", got, err, want)
	}
}

func TestEnforcementString(t *testing.T) {
	for e, want := range map[Enforcement]string{Disabled: "disabled", NoPolicy: "no-policy", Permissive: "permissive", Enforcing: "enforcing", 9: "enforcement(9)"} {
		if e.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(e), e.String(), want)
		}
	}
}

func TestLoadedSourceDigest(t *testing.T) {
	k, fs := fakeKernel{selinux: true, mounted: true, loaded: true}.build(t)
	if _, err := k.loadedSourceDigest(); err == nil {
		t.Fatal("no booleans: want an error")
	}
	os.MkdirAll(filepath.Join(fs, "booleans"), 0o755)
	for _, name := range []string{"other_bool", stampPrefix + "abc123"} {
		os.WriteFile(filepath.Join(fs, "booleans", name), []byte("0 0"), 0o644)
	}
	if got, err := k.loadedSourceDigest(); err != nil || got != "abc123" {
		t.Fatalf("loadedSourceDigest() = %q, %v; want abc123", got, err)
	}
}
