package attest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// RootFS identifies the root filesystem: the dm-verity root hash from the
// kernel command line (roothash= or systemd.verity_root_hash=) when there
// is one, else the UUID of the device mounted at / (by /dev/disk/by-uuid);
// and whether / is mounted read-only.
func (h Host) RootFS() (RootFS, error) {
	var r RootFS
	dev, opts, err := h.rootMount()
	if err != nil {
		return r, err
	}
	r.ReadOnly = hasOption(opts, "ro")
	cmdline, err := h.read("/proc/cmdline")
	if err != nil {
		return r, err
	}
	r.VerityRootHash = verityHash(string(cmdline))
	if r.VerityRootHash == "" {
		r.UUID = h.uuidOf(dev)
	}
	return r, nil
}

func (h Host) rootMount() (dev, opts string, err error) {
	b, err := h.read("/proc/self/mounts")
	if err != nil {
		return "", "", err
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) >= 4 && f[1] == "/" {
			dev, opts = f[0], f[3] // the last mount on / wins
		}
	}
	if dev == "" {
		return "", "", fmt.Errorf("/proc/self/mounts: nothing mounted on /")
	}
	return dev, opts, nil
}

func hasOption(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func verityHash(cmdline string) string {
	for w := range strings.FieldsSeq(cmdline) {
		k, v, ok := strings.Cut(w, "=")
		if ok && (k == "roothash" || k == "systemd.verity_root_hash") {
			return v
		}
	}
	return ""
}

// uuidOf finds the by-uuid link that points at dev; "" when none does.
func (h Host) uuidOf(dev string) string {
	dir := h.path("/dev/disk/by-uuid")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	want := filepath.Base(dev)
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err == nil && filepath.Base(target) == want {
			return e.Name()
		}
	}
	return ""
}
