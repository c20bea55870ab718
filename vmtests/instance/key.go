package instance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// keyVersion changes whenever the image layout changes.
const keyVersion = "moat-instance-image/4"

// key digests every input of the image: the content of each host file it
// copies, the unit list and the layout version.
func (s *Spec) key() (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, keyVersion)
	units, err := marshalUnits(s.Units)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "units %x\n", sha256.Sum256(units))
	files, err := s.inputFiles()
	if err != nil {
		return "", err
	}
	memo := loadDigests(filepath.Join(s.CacheDir, "instance", "digests.json"))
	defer memo.save()
	for _, f := range files {
		d, err := memo.digest(f.Host)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s %o\n", f.Guest, d, f.Mode)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// inputFiles lists the host files that go into the image.
func (s *Spec) inputFiles() ([]File, error) {
	bb, err := staticBusybox()
	if err != nil {
		return nil, err
	}
	files := []File{{Host: s.Supervisor, Guest: "/sbin/init"}, {Host: bb, Guest: "/bin/busybox"}}
	for _, name := range containerdBins {
		files = append(files, File{Host: filepath.Join(s.ContainerdBin, name), Guest: "/usr/bin/" + name})
	}
	for _, tool := range append([]string{"runc"}, s.Tools...) {
		path, err := exec.LookPath(tool)
		if err != nil {
			return nil, fmt.Errorf("tool %q is not installed (make deps)", tool)
		}
		files = append(files, File{Host: path, Guest: path})
	}
	files = append(append(files, s.Binaries...), s.Files...)
	for _, p := range []struct{ host, guest string }{
		{s.MoatConfig, MoatConfigPath}, {s.ContainerdConfig, ContainerdConfigPath}, {s.FileContexts, "file_contexts"},
	} {
		if p.host != "" {
			files = append(files, File{Host: p.host, Guest: p.guest})
		}
	}
	return files, nil
}

// digests remembers file digests by path, size, modification time and
// inode, so that finding a cached image does not read 200 MB each time.
type digests struct {
	path    string
	known   map[string]string
	changed bool
}

func loadDigests(path string) *digests {
	d := &digests{path: path, known: map[string]string{}}
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &d.known)
	}
	return d
}

func (d *digests) digest(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	id := fmt.Sprintf("%s %d %d %d", path, st.Size(), st.ModTime().UnixNano(), ino)
	if sum, ok := d.known[id]; ok {
		return sum, nil
	}
	sum, err := fileDigest(path)
	if err == nil {
		d.known[id], d.changed = sum, true
	}
	return sum, err
}

// save writes the memo when it learnt something (best effort: a lost
// memo only costs reading the files again).
func (d *digests) save() {
	if !d.changed || len(d.known) > 10000 {
		return
	}
	b, err := json.Marshal(d.known)
	if err != nil || os.MkdirAll(filepath.Dir(d.path), 0o755) != nil {
		return
	}
	tmp := d.path + ".tmp"
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, d.path)
	}
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
