package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moat-sh/moat/vmtests/rootfs"
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
	*rootfs.Tree
}

func newImage(tmp string) (*image, error) {
	t, err := rootfs.New(filepath.Join(tmp, "root"), "proc", "sys", "dev", "tmp", "run", "root", "etc", "moat", "bin", "sbin", "usr/bin", "usr/sbin", "var/tmp")
	if err != nil {
		return nil, err
	}
	etc := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\nnogroup:x:65534:\n",
		"etc/hosts":  "127.0.0.1 localhost\n",
	}
	for name, body := range etc {
		if err := t.Write(name, []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	return &image{Tree: t}, nil
}

// copyFile copies src (following links) to dst inside the image.
func (m *image) copyFile(src, dst string) error { return m.Copy(src, dst, 0) }

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
	return m.Write(specPath, b, 0o644)
}

// pack writes the image as an uncompressed newc cpio archive.
func (m *image) pack(out string) error {
	cmd := exec.Command("sh", "-c", "find . -print0 | cpio --null -o -H newc -R 0:0 --quiet > "+shellQuote(out))
	cmd.Dir = m.Root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cpio: %v: %s (install cpio: make deps)", err, msg)
	}
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
