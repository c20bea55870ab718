package instance

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/moat-sh/moat/vmtests/rootfs"
)

// tree is a root filesystem being assembled in a staging folder.
type tree = rootfs.Tree

var treeDirs = []string{
	"bin", "sbin", "usr/bin", "usr/sbin", "lib", "etc/moat", "etc/containerd", "etc/moat-supervise",
	"proc", "sys", "dev", "run", "tmp", "var", "root", "newroot", "usr/share/moat/images",
}

func newTree(root string) (*tree, error) { return rootfs.New(root, treeDirs...) }

// staticBusybox finds busybox-static on the host.
func staticBusybox() (string, error) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return "", errors.New("busybox not found: install busybox-static (make deps)")
	}
	if rootfs.Dynamic(bb) {
		return "", fmt.Errorf("%s is dynamically linked: install busybox-static (make deps)", bb)
	}
	return bb, nil
}

// busyboxApplets lists the guest paths of busybox's applets.
func busyboxApplets(bb string) ([]string, error) {
	out, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list-full: %w", err)
	}
	return strings.Fields(string(out)), nil
}
