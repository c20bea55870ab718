package guest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// PathLabel is an SELinux label stage 1 gives a folder of the data disk
// (made if missing), or the /var/run link, before anything writes there:
// the disk is blank and the policy is not loaded yet, so nothing else
// would label it. What is created in the folder later takes its type.
type PathLabel struct {
	Path    string `json:"path"`    // absolute, under /var
	Context string `json:"context"` // user:role:type:level
}

// Check says what is wrong with a label, if anything.
func (l PathLabel) Check() error {
	if !strings.HasPrefix(filepath.Clean(l.Path)+"/", "/var/") || filepath.Clean(l.Path) != l.Path {
		return fmt.Errorf("data label %q: the path must be clean and on the data disk (/var)", l.Path)
	}
	if strings.Count(l.Context, ":") < 3 {
		return fmt.Errorf("data label %s: context %q is not user:role:type:level", l.Path, l.Context)
	}
	return nil
}

// prepareData gives the data disk, mounted on root+/var, the folders of
// labels with their labels, and /var/run as a link to /run. The kernel
// takes a security.selinux attribute before a policy is loaded and checks
// it once one is.
func prepareData(root string, labels []PathLabel) error {
	for _, l := range labels {
		if err := l.Check(); err != nil {
			return err
		}
	}
	if err := os.Symlink("/run", root+"/var/run"); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("link /var/run to /run: %w", err)
	}
	for _, l := range labels {
		p := root + l.Path
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		}
		if err := unix.Lsetxattr(p, "security.selinux", append([]byte(l.Context), 0), 0); err != nil {
			return fmt.Errorf("label %s %s: %w", l.Path, l.Context, err)
		}
	}
	return nil
}
