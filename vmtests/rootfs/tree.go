package rootfs

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tree is a root filesystem being assembled under Root.
type Tree struct {
	Root string
}

// New makes the folders dirs (guest paths) under root; tmp is world-writable.
func New(root string, dirs ...string) (*Tree, error) {
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, err
		}
	}
	t := &Tree{Root: root}
	if _, err := os.Stat(t.Path("tmp")); err == nil {
		return t, os.Chmod(t.Path("tmp"), os.ModeSticky|0o777)
	}
	return t, nil
}

// Path is the host path of a guest path.
func (t *Tree) Path(guest string) string { return filepath.Join(t.Root, guest) }

// Write puts bytes at a guest path.
func (t *Tree) Write(guest string, b []byte, mode fs.FileMode) error {
	p := t.Path(guest)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	os.Remove(p)
	return os.WriteFile(p, b, mode)
}

// Copy copies a host file (following links) to a guest path; mode 0 keeps
// the host file's permissions.
func (t *Tree) Copy(host, guest string, mode fs.FileMode) error {
	in, err := os.Open(host)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if mode == 0 {
		mode = st.Mode().Perm()
	}
	p := t.Path(guest)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	os.Remove(p) // a busybox applet link may stand there
	out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// CopyDir copies a host folder's regular files and links to a guest folder.
func (t *Tree) CopyDir(host, guest string) error {
	return filepath.WalkDir(host, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(host, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(t.Path(filepath.Join(guest, rel)), 0o755)
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		return t.Copy(p, filepath.Join(guest, rel), 0)
	})
}

// AddBusybox installs the static busybox and a link per applet.
func (t *Tree) AddBusybox() error {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return errors.New("busybox not found: install busybox-static (make deps)")
	}
	if Dynamic(bb) {
		return fmt.Errorf("%s is dynamically linked: install busybox-static (make deps)", bb)
	}
	if err := t.Copy(bb, "/bin/busybox", 0o755); err != nil {
		return err
	}
	out, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("busybox --list-full: %w", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		link := t.Path(applet)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		os.MkdirAll(filepath.Dir(link), 0o755)
		if err := os.Symlink("/bin/busybox", link); err != nil {
			return err
		}
	}
	return nil
}

// AddTool copies a host program (a name on the PATH or a path) to the same
// path in the guest, with the shared libraries it loads.
func (t *Tree) AddTool(name string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("program %q is not installed (make deps)", name)
	}
	if path, err = filepath.Abs(path); err != nil {
		return err
	}
	if err := t.Copy(path, path, 0); err != nil {
		return err
	}
	if !Dynamic(path) {
		return nil
	}
	libs, err := SharedLibs(path)
	if err != nil {
		return err
	}
	for _, lib := range libs {
		if err := t.Copy(lib, lib, 0); err != nil {
			return fmt.Errorf("library %s of %s: %w", lib, name, err)
		}
	}
	return nil
}

// SharedLibs lists the absolute paths ldd resolves for a program.
func SharedLibs(path string) ([]string, error) {
	out, err := exec.Command("ldd", path).Output()
	if err != nil {
		return nil, fmt.Errorf("ldd %s: %w", path, err)
	}
	var libs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			if strings.HasPrefix(f, "/") {
				libs = append(libs, f)
			}
		}
	}
	return libs, nil
}

// Dynamic says whether an ELF file asks for a program interpreter.
func Dynamic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}
