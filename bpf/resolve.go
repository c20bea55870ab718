package bpf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
// the device itself and, for a partition, its whole disk. A filesystem
// without a block device (tmpfs, overlay: major 0) has none.
func backingDevices(dev uint32) []uint32 {
	major, minor := dev>>20, dev&(1<<20-1)
	if major == 0 {
		return nil
	}
	out := []uint32{dev}
	sys := fmt.Sprintf("/sys/dev/block/%d:%d", major, minor)
	if _, err := os.Stat(filepath.Join(sys, "partition")); err != nil {
		return out
	}
	b, err := os.ReadFile(filepath.Join(sys, "..", "dev"))
	if err != nil {
		return out
	}
	var ma, mi uint32
	if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%d:%d", &ma, &mi); err == nil {
		out = append(out, ma<<20|mi)
	}
	return out
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
