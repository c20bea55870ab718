package guest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// cmdlineVerity reads moat.roothash= and moat.verity= from the kernel
// command line.
func cmdlineVerity(cmdline string) (Verity, error) {
	v := Verity{}
	var params string
	for _, f := range strings.Fields(cmdline) {
		if h, ok := strings.CutPrefix(f, "moat.roothash="); ok {
			v.RootHash = h
		}
		if p, ok := strings.CutPrefix(f, "moat.verity="); ok {
			params = p
		}
	}
	if len(v.RootHash) < 32 || strings.Trim(v.RootHash, "0123456789abcdef") != "" {
		return v, fmt.Errorf("kernel command line: moat.roothash=%q is not a hex digest", v.RootHash)
	}
	return v, ParseVerityParams(params, &v)
}

// mountRoot opens the verity device, mounts it read-only on /newroot with
// the data disk on /var, and moves the kernel filesystems under it.
func mountRoot() error {
	v, err := cmdlineVerity(readTrim("/proc/cmdline"))
	if err != nil {
		return err
	}
	disks, err := waitDisks(SerialRoot, SerialHash, SerialData)
	if err != nil {
		return err
	}
	v.Data, v.Hash = disks[SerialRoot], disks[SerialHash]
	dev, err := OpenVerity("root", v)
	if err != nil {
		return err
	}
	os.MkdirAll("/dev/mapper", 0o755)
	if err := unix.Mknod("/dev/mapper/root", unix.S_IFBLK|0o600, int(dev)); err != nil && !os.IsExist(err) {
		return fmt.Errorf("mknod /dev/mapper/root: %w", err)
	}
	os.MkdirAll(newRoot, 0o755)
	if err := unix.Mount("/dev/mapper/root", newRoot, "erofs", unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("mount the verity root (erofs): %w", err)
	}
	if err := unix.Mount(disks[SerialData], newRoot+"/var", "ext4", unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("mount the data disk %s on /var: %w", disks[SerialData], err)
	}
	for _, m := range earlyMounts {
		if err := unix.Mount(m.target, newRoot+m.target, "", unix.MS_MOVE, ""); err != nil {
			return fmt.Errorf("move %s: %w", m.target, err)
		}
	}
	return mountList(rootMounts, newRoot)
}

// copyScenario copies the initramfs's scenario folder to the new root's
// /run (a tmpfs by now).
func copyScenario() error {
	dst := newRoot + ScenarioDir
	return filepath.WalkDir(stage1Scenario, func(p string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && p == stage1Scenario {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(stage1Scenario, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// switchRoot makes /newroot the root (MS_MOVE and chroot, as busybox's
// switch_root) and execs /sbin/init there.
func switchRoot(args []string) error {
	if err := os.Chdir(newRoot); err != nil {
		return err
	}
	if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move the new root onto /: %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	if err := os.Chdir("/"); err != nil {
		return err
	}
	argv := append([]string{"/sbin/init"}, args...)
	return fmt.Errorf("exec /sbin/init: %w", syscall.Exec("/sbin/init", argv, baseEnv))
}
