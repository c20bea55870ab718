package instance

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

// tree is a root filesystem being assembled in a staging folder.
type tree struct {
	root string
}

var treeDirs = []string{
	"bin", "sbin", "usr/bin", "usr/sbin", "lib", "etc/moat", "etc/containerd", "etc/moat-supervise",
	"proc", "sys", "dev", "run", "tmp", "var", "root", "newroot", "usr/share/moat/images",
}

func newTree(root string) (*tree, error) {
	for _, d := range treeDirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, err
		}
	}
	return &tree{root: root}, os.Chmod(filepath.Join(root, "tmp"), 0o1777)
}

func (t *tree) path(guest string) string { return filepath.Join(t.root, guest) }

// write puts bytes at a guest path.
func (t *tree) write(guest string, b []byte, mode fs.FileMode) error {
	p := t.path(guest)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	os.Remove(p)
	return os.WriteFile(p, b, mode)
}

// copy copies a host file (following links) to a guest path; mode 0
// keeps the host file's permissions.
func (t *tree) copy(host, guest string, mode fs.FileMode) error {
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
	p := t.path(guest)
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

// addBusybox installs the static busybox and a link per applet.
func (t *tree) addBusybox() error {
	bb, err := staticBusybox()
	if err != nil {
		return err
	}
	if err := t.copy(bb, "/bin/busybox", 0o755); err != nil {
		return err
	}
	applets, err := busyboxApplets(bb)
	if err != nil {
		return err
	}
	for _, a := range applets {
		link := t.path(a)
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

func staticBusybox() (string, error) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return "", errors.New("busybox not found: install busybox-static (make deps)")
	}
	if dynamic(bb) {
		return "", fmt.Errorf("%s is dynamically linked: install busybox-static (make deps)", bb)
	}
	return bb, nil
}

func busyboxApplets(bb string) ([]string, error) {
	out, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list-full: %w", err)
	}
	return strings.Fields(string(out)), nil
}

// addTool copies a host program to the same path with its libraries.
func (t *tree) addTool(name string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("tool %q is not installed (make deps)", name)
	}
	if path, err = filepath.Abs(path); err != nil {
		return err
	}
	if err := t.copy(path, path, 0); err != nil {
		return err
	}
	if !dynamic(path) {
		return nil
	}
	libs, err := sharedLibs(path)
	if err != nil {
		return err
	}
	for _, lib := range libs {
		if err := t.copy(lib, lib, 0); err != nil {
			return fmt.Errorf("library %s of %s: %w", lib, name, err)
		}
	}
	return nil
}

// sharedLibs lists the absolute paths ldd resolves for a program.
func sharedLibs(path string) ([]string, error) {
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

// dynamic says whether an ELF file asks for a program interpreter.
func dynamic(path string) bool {
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
