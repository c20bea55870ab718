package bpf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// inodeOf names the file at path (symlinks followed) as the kernel does.
func inodeOf(path string) (moatInodeKey, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return moatInodeKey{}, fmt.Errorf("stat %s: %w", path, err)
	}
	return moatInodeKey{Dev: kernelDev(st.Dev), Ino: st.Ino}, nil
}

// superblockOf returns the kernel dev_t of the filesystem mounted at path.
func superblockOf(path string) (uint32, error) {
	k, err := inodeOf(path)
	return k.Dev, err
}

// backingDevices returns the block devices behind a superblock's dev_t:
// the device itself, the devices under it (device-mapper, md: sysfs
// slaves/, recursively) and, for each partition, its whole disk. A
// filesystem without a block device (tmpfs, overlay: major 0) has none.
func backingDevices(dev uint32) []uint32 {
	if dev>>20 == 0 {
		return nil
	}
	seen := map[uint32]bool{}
	collectDevices("/sys/dev/block", dev, seen, 0)
	out := make([]uint32, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

func collectDevices(sysDevBlock string, dev uint32, seen map[uint32]bool, depth int) {
	if seen[dev] || depth > 8 {
		return
	}
	seen[dev] = true
	dir := filepath.Join(sysDevBlock, fmt.Sprintf("%d:%d", dev>>20, dev&(1<<20-1)))
	if _, err := os.Stat(filepath.Join(dir, "partition")); err == nil {
		// a partition's folder sits in its disk's: resolve the link first,
		// since Join would clean ".." lexically
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			if parent, ok := readDev(filepath.Join(filepath.Dir(real), "dev")); ok {
				collectDevices(sysDevBlock, parent, seen, depth+1)
			}
		}
	}
	slaves, _ := os.ReadDir(filepath.Join(dir, "slaves"))
	for _, s := range slaves {
		if d, ok := readDev(filepath.Join(dir, "slaves", s.Name(), "dev")); ok {
			collectDevices(sysDevBlock, d, seen, depth+1)
		}
	}
}

// readDev reads a sysfs dev file ("major:minor") as a kernel dev_t.
func readDev(path string) (uint32, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	var ma, mi uint32
	if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%d:%d", &ma, &mi); err != nil {
		return 0, false
	}
	return ma<<20 | mi, true
}

// CgroupID returns the id of a cgroup v2 folder (its inode number), as
// bpf_get_current_cgroup_id sees it.
func CgroupID(dir string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return 0, fmt.Errorf("cgroup %s: %w", dir, err)
	}
	return st.Ino, nil
}

// FindPrograms returns the existing files dir/name for every pair, with
// duplicates (one file under two names) kept: the kernel side keys them
// by inode anyway.
func FindPrograms(dirs, names []string) ([]string, error) {
	var out []string
	for _, d := range dirs {
		for _, n := range names {
			p := filepath.Join(d, n)
			_, err := os.Stat(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// mountNamespace returns the inode number of PID 1's mount namespace.
func mountNamespace() (uint32, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/1/ns/mnt", &st); err != nil {
		return 0, fmt.Errorf("initial mount namespace: %w", err)
	}
	return uint32(st.Ino), nil
}
