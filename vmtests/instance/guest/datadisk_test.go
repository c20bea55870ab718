package guest

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPathLabelCheck(t *testing.T) {
	const ctx = "system_u:object_r:moat_state_t:s0"
	for _, tt := range []struct {
		l  PathLabel
		ok bool
	}{
		{PathLabel{"/var", ctx}, true},
		{PathLabel{"/var/lib/moat", ctx}, true},
		{PathLabel{"/var/lib/../../etc", ctx}, false},
		{PathLabel{"/etc", ctx}, false},
		{PathLabel{"/variant", ctx}, false},
		{PathLabel{"var/lib", ctx}, false},
		{PathLabel{"/var/lib/", ctx}, false},
		{PathLabel{"/var/lib", "moat_state_t"}, false},
	} {
		if err := tt.l.Check(); (err == nil) != tt.ok {
			t.Errorf("%+v: Check() = %v, want ok %v", tt.l, err, tt.ok)
		}
	}
}

// TestPrepareData: the folders are made and labelled, /var/run links to
// /run and carries its own label, and a bad label changes nothing more.
func TestPrepareData(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "var"), 0o755)
	labels := []PathLabel{
		{"/var/run", "system_u:object_r:moat_os_file_t:s0"},
		{"/var/lib/containerd", "system_u:object_r:moat_runtime_state_t:s0"},
	}
	if err := prepareData(root, labels); err != nil {
		t.Fatalf("prepareData: %v (the test needs security.* attributes on %s: run it as root)", err, root)
	}
	if dst, err := os.Readlink(root + "/var/run"); err != nil || dst != "/run" {
		t.Errorf("/var/run -> %q, %v; want /run", dst, err)
	}
	for _, l := range labels {
		buf := make([]byte, 256)
		n, err := unix.Lgetxattr(root+l.Path, "security.selinux", buf)
		if err != nil || string(buf[:n]) != l.Context+"\x00" {
			t.Errorf("%s: label %q, %v; want %s", l.Path, buf[:max(n, 0)], err, l.Context)
		}
	}
	if err := prepareData(root, []PathLabel{{"/etc/x", "a:b:c:d"}}); err == nil {
		t.Error("a label off the data disk was taken")
	}
	if _, err := os.Stat(root + "/etc/x"); !os.IsNotExist(err) {
		t.Errorf("a refused label made its folder: %v", err)
	}
}
