//go:build vmtest

package bpf

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func openErr(path string) error {
	f, err := os.Open(path)
	if err == nil {
		f.Close()
	}
	return err
}

// TestProbeDeniesWhileAttached proves the harness reaches a kernel that
// enforces BPF LSM: the probe's file cannot be opened while the program is
// attached, another file can, and the same file opens once it is detached.
func TestProbeDeniesWhileAttached(t *testing.T) {
	requireVM(t)
	dir := t.TempDir()
	target, other := filepath.Join(dir, "target"), filepath.Join(dir, "other")
	for _, p := range []string{target, other} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := openErr(target); err != nil {
		t.Fatalf("before attach: %v", err)
	}
	p, err := AttachProbe(target)
	if err != nil {
		t.Fatal(err)
	}
	if err := openErr(target); !errors.Is(err, unix.EPERM) {
		t.Errorf("open %s while attached: %v, want EPERM", target, err)
	}
	if err := openErr(other); err != nil {
		t.Errorf("open %s while attached: %v, want success", other, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := openErr(target); err != nil {
		t.Errorf("open %s after detach: %v, want success", target, err)
	}
}

func requireVM(t *testing.T) {
	t.Helper()
	if os.Getenv("MOAT_VM") != "1" {
		t.Fatal("this test needs the VM: run make vmtest (go test -tags vmtest -exec bin/moat-vmexec ./bpf/)")
	}
}
