//go:build vmtest

package vmtests

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSELinuxEnforcesCompiledPolicy proves the harness reaches a kernel
// whose SELinux enforces: a CIL policy compiled with secilc in the VM is
// loaded, and a file labelled secret_t can be read while permissive but
// not once enforcing.
func TestSELinuxEnforcesCompiledPolicy(t *testing.T) {
	requireVM(t)
	policy := filepath.Join(t.TempDir(), "policy")
	out, err := exec.Command("secilc", "-o", policy, "-f", "/dev/null", "testdata/minimal.cil").CombinedOutput()
	if err != nil {
		t.Fatalf("secilc: %v: %s", err, out)
	}
	bin, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/sys/fs/selinux/load", bin, 0); err != nil {
		t.Fatalf("load policy: %v", err)
	}
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(secret, "security.selinux", []byte("u:object_r:secret_t:s0"), 0); err != nil {
		t.Fatalf("label %s: %v", secret, err)
	}
	steps := []struct {
		enforce string
		want    error
	}{
		{"0", nil},
		{"1", unix.EACCES},
		{"0", nil},
	}
	for _, s := range steps {
		setEnforce(t, s.enforce)
		_, err := os.ReadFile(secret)
		if !errors.Is(err, s.want) && !(s.want == nil && err == nil) {
			t.Errorf("enforce=%s: read secret_t file: %v, want %v", s.enforce, err, s.want)
		}
	}
}

func setEnforce(t *testing.T, v string) {
	t.Helper()
	if err := os.WriteFile("/sys/fs/selinux/enforce", []byte(v), 0); err != nil {
		t.Fatalf("write %s to /sys/fs/selinux/enforce: %v", v, err)
	}
}

func requireVM(t *testing.T) {
	t.Helper()
	if os.Getenv("MOAT_VM") != "1" {
		t.Fatal("this test needs the VM: run make vmtest (go test -tags vmtest -exec bin/moat-vmexec ./vmtests/)")
	}
}
