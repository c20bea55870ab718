package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTreeCopiesToolsWithTheirLibraries(t *testing.T) {
	tr, err := New(t.TempDir(), "tmp", "etc")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(tr.Path("tmp")); err != nil || st.Mode().Perm() != 0o777 || st.Mode()&os.ModeSticky == 0 {
		t.Errorf("tmp: %v %v, want 1777", st.Mode(), err)
	}
	if err := tr.AddTool("ls"); err != nil {
		t.Fatal(err)
	}
	ls, _ := filepath.Abs("/usr/bin/ls")
	if real, err := filepath.EvalSymlinks("/bin/ls"); err == nil {
		ls = real
	}
	if Dynamic(ls) {
		libs, err := SharedLibs(ls)
		if err != nil || len(libs) == 0 {
			t.Fatalf("SharedLibs(%s) = %v, %v", ls, libs, err)
		}
		for _, l := range libs {
			if _, err := os.Stat(tr.Path(l)); err != nil {
				t.Errorf("library %s not copied: %v", l, err)
			}
		}
	}
	if err := tr.AddTool("no-such-program-here"); err == nil || !strings.Contains(err.Error(), "make deps") {
		t.Errorf("missing tool: %v, want one naming make deps", err)
	}
}

func TestTreeWriteAndCopyDir(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(src, "a", "b", "f"), []byte("x"), 0o640)
	tr := &Tree{Root: t.TempDir()}
	if err := tr.CopyDir(src, "/pkg/testdata"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(tr.Path("/pkg/testdata/a/b/f"))
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("copied file: %v %v, want mode 0640", st, err)
	}
	if err := tr.Write("/etc/hosts", []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(tr.Path("/etc/hosts")); string(b) != "127.0.0.1 localhost\n" {
		t.Errorf("hosts = %q", b)
	}
}

func TestBusyboxAppletsLinkToBusybox(t *testing.T) {
	tr := &Tree{Root: t.TempDir()}
	if err := tr.AddBusybox(); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(tr.Path("/bin/sh")); err != nil || target != "/bin/busybox" {
		t.Errorf("/bin/sh -> %q, %v", target, err)
	}
	if Dynamic(tr.Path("/bin/busybox")) {
		t.Error("the busybox in the tree is dynamically linked")
	}
}
