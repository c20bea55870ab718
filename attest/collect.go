package attest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Host reads facts of the running machine. Every path is relative to
// Root, so tests point it at a folder of fixtures; the zero Host reads
// the real machine.
type Host struct {
	Root string
}

func (h Host) path(p string) string { return filepath.Join(h.Root, "/", p) }

func (h Host) read(p string) ([]byte, error) {
	b, err := os.ReadFile(h.path(p))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// KernelRelease is the running kernel's release (uname -r).
func KernelRelease() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}

// Uptime is the time since boot, suspend included (CLOCK_BOOTTIME).
func Uptime() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0, fmt.Errorf("clock_gettime boottime: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}

// BootID is the kernel's random id of this boot.
func (h Host) BootID() (string, error) {
	b, err := h.read("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// OSRelease returns ID and VERSION_ID from /etc/os-release.
func (h Host) OSRelease() (id, versionID string, err error) {
	b, err := h.read("/etc/os-release")
	if err != nil {
		return "", "", err
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			versionID = v
		}
	}
	if id == "" {
		return "", "", fmt.Errorf("/etc/os-release: no ID field")
	}
	return id, versionID, nil
}

// Packages lists the installed packages of the dpkg database as sorted
// "name version arch" lines, and their SHA-256 digest (lines joined by
// newlines, each line ended by one).
func (h Host) Packages() (list []string, digest string, err error) {
	b, err := h.read("/var/lib/dpkg/status")
	if err != nil {
		return nil, "", err
	}
	list = parseDpkgStatus(b)
	slices.Sort(list)
	sum := sha256.New()
	for _, l := range list {
		sum.Write([]byte(l + "\n"))
	}
	return list, hex.EncodeToString(sum.Sum(nil)), nil
}

func parseDpkgStatus(b []byte) []string {
	var out []string
	for para := range strings.SplitSeq(string(b), "\n\n") {
		f := dpkgFields(para)
		if strings.HasSuffix(f["Status"], " installed") && f["Package"] != "" {
			out = append(out, f["Package"]+" "+f["Version"]+" "+f["Architecture"])
		}
	}
	return out
}

func dpkgFields(para string) map[string]string {
	f := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(para))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			f[k] = strings.TrimSpace(v)
		}
	}
	return f
}

// SELinux returns the SELinux mode (enforcing, permissive or disabled)
// and the SHA-256 of the loaded policy when SELinux is on.
func (h Host) SELinux() (mode, policySHA256 string, err error) {
	b, err := os.ReadFile(h.path("/sys/fs/selinux/enforce"))
	if os.IsNotExist(err) {
		return "disabled", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read selinux enforce: %w", err)
	}
	mode = "permissive"
	if bytes.Equal(bytes.TrimSpace(b), []byte("1")) {
		mode = "enforcing"
	}
	pol, err := h.read("/sys/fs/selinux/policy")
	if err != nil {
		return mode, "", err
	}
	sum := sha256.Sum256(pol)
	return mode, hex.EncodeToString(sum[:]), nil
}

// Lockdown returns the kernel lockdown mode (the bracketed word of
// /sys/kernel/security/lockdown), or "none" when the file is missing.
func (h Host) Lockdown() (string, error) {
	b, err := os.ReadFile(h.path("/sys/kernel/security/lockdown"))
	if os.IsNotExist(err) {
		return "none", nil
	}
	if err != nil {
		return "", fmt.Errorf("read lockdown: %w", err)
	}
	for w := range strings.FieldsSeq(string(b)) {
		if strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]") {
			return strings.Trim(w, "[]"), nil
		}
	}
	return "", fmt.Errorf("lockdown: no selected mode in %q", strings.TrimSpace(string(b)))
}

// Patch collects the patch claim; the package list itself is included
// only when withList is set.
func (h Host) Patch(withList bool) (Patch, error) {
	var p Patch
	var err error
	if p.KernelRelease, err = KernelRelease(); err != nil {
		return p, err
	}
	if p.OSID, p.OSVersionID, err = h.OSRelease(); err != nil {
		return p, err
	}
	list, digest, err := h.Packages()
	if err != nil {
		return p, err
	}
	p.PackagesDigest, p.PackageCount = digest, len(list)
	if withList {
		p.Packages = list
	}
	p.RootFS, err = h.RootFS()
	return p, err
}
