package harness

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// runSpec is what the init inside the VM runs; it travels in the initramfs.
type runSpec struct {
	Binary  string   // the test binary, inside the VM
	Args    []string // its arguments
	Env     []string
	Dir     string   // working directory
	Modules []string // module files to load, in order
}

const specPath = "/moat/run.json"

// pkgRoot holds the package folder in the image; the init bind-mounts it
// at its host path once the guest's own mounts (/tmp among them) are up,
// so that a checkout under /tmp is not hidden by the guest's tmpfs.
const pkgRoot = "/moat/pkg"

// image is an initramfs being assembled in a staging folder.
type image struct {
	root string
}

func newImage(tmp string) (*image, error) {
	root := filepath.Join(tmp, "root")
	for _, d := range []string{"proc", "sys", "dev", "tmp", "run", "root", "etc", "moat", "bin", "sbin", "usr/bin", "usr/sbin", "var/tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return nil, err
	}
	etc := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\nnogroup:x:65534:\n",
		"etc/hosts":  "127.0.0.1 localhost\n",
	}
	for name, body := range etc {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	return &image{root: root}, nil
}

// copyFile copies src (following links) to dst inside the image.
func (m *image) copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	target := filepath.Join(m.root, dst)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	os.Remove(target) // a busybox applet link may stand there
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies a folder, such as a package's testdata, to dst.
func (m *image) copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(m.root, dst, rel), 0o755)
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		return m.copyFile(p, filepath.Join(dst, rel))
	})
}

// addBusybox installs the static busybox and a link per applet.
func (m *image) addBusybox() error {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return errors.New("busybox not found: install busybox-static (make deps)")
	}
	if dynamic(bb) {
		return fmt.Errorf("%s is dynamically linked: install busybox-static (make deps)", bb)
	}
	if err := m.copyFile(bb, "/bin/busybox"); err != nil {
		return err
	}
	out, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("busybox --list-full: %w", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		link := filepath.Join(m.root, applet)
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

// addTool copies a host program and the shared libraries it needs.
func (m *image) addTool(name string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("testdata/vm-tools names %q, which is not installed (make deps)", name)
	}
	if !filepath.IsAbs(path) {
		path, _ = filepath.Abs(path)
	}
	if err := m.copyFile(path, path); err != nil {
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
		if err := m.copyFile(lib, lib); err != nil {
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

// readList reads a testdata list file: one entry per line, # comments.
func readList(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line, _, _ = strings.Cut(line, "#"); strings.TrimSpace(line) != "" {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out, nil
}

func (m *image) writeSpec(s runSpec) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(m.root, specPath), b, 0o644)
}

// pack writes the image as an uncompressed newc cpio archive.
func (m *image) pack(out string) error {
	cmd := exec.Command("sh", "-c", "find . -print0 | cpio --null -o -H newc -R 0:0 --quiet > "+shellQuote(out))
	cmd.Dir = m.root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cpio: %v: %s (install cpio: make deps)", err, msg)
	}
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
