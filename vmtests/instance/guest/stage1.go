package guest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moat-sh/moat/vmtests/harness"

	"golang.org/x/sys/unix"
)

// Stage1Config travels in the initramfs as /stage1.json.
type Stage1Config struct {
	Modules  []string `json:"modules"`  // module files, dependencies first
	InitArgs []string `json:"initArgs"` // arguments of /sbin/init
	// DataLabels label folders of the data disk (see PathLabel).
	DataLabels []PathLabel `json:"dataLabels,omitempty"`
}

// Stage1ConfigPath is where the host puts Stage1Config in the initramfs.
const Stage1ConfigPath = "/stage1.json"

// Disk serials the host gives the instance's virtio disks.
const (
	SerialRoot = "moat-root"
	SerialHash = "moat-hash"
	SerialData = "moat-data"
)

// stage1Scenario is the scenario folder in the initramfs.
const stage1Scenario = "/scenario"

const newRoot = "/newroot"

// Stage1 mounts the instance's root and execs its /sbin/init; it returns
// only on failure.
func Stage1() error {
	if err := mountList(earlyMounts, ""); err != nil {
		return err
	}
	reopenConsole()
	var cfg Stage1Config
	b, err := os.ReadFile(Stage1ConfigPath)
	if err == nil {
		err = json.Unmarshal(b, &cfg)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", Stage1ConfigPath, err)
	}
	if err := harness.LoadModules(cfg.Modules); err != nil {
		return err
	}
	if err := mountRoot(); err != nil {
		return err
	}
	if err := prepareData(newRoot, cfg.DataLabels); err != nil {
		return err
	}
	if err := copyScenario(); err != nil {
		return err
	}
	return switchRoot(cfg.InitArgs)
}

type mountSpec struct{ fstype, target, data string }

var earlyMounts = []mountSpec{
	{"proc", "/proc", ""}, {"sysfs", "/sys", ""}, {"devtmpfs", "/dev", ""},
}

// rootMounts are mounted under the new root once the early ones moved.
var rootMounts = []mountSpec{
	{"devpts", "/dev/pts", "ptmxmode=0666"},
	{"tmpfs", "/dev/shm", "mode=1777"},
	{"tmpfs", "/run", "mode=755"},
	{"tmpfs", "/tmp", "mode=1777"},
	{"cgroup2", "/sys/fs/cgroup", ""},
	{"bpf", "/sys/fs/bpf", ""},
	{"securityfs", "/sys/kernel/security", ""},
	{"selinuxfs", "/sys/fs/selinux", ""},
	{"tracefs", "/sys/kernel/tracing", ""},
}

func mountList(list []mountSpec, under string) error {
	for _, m := range list {
		target := under + m.target
		if err := os.MkdirAll(target, 0o755); err != nil && under == "" {
			return err
		}
		err := unix.Mount(m.fstype, target, m.fstype, unix.MS_NOSUID|unix.MS_NOEXEC*noexec(m.fstype), m.data)
		if err != nil && !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("mount %s on %s: %w", m.fstype, target, err)
		}
	}
	return nil
}

func noexec(fstype string) uintptr {
	if fstype == "devtmpfs" || fstype == "tmpfs" {
		return 0
	}
	return 1
}

// reopenConsole points stdin, stdout and stderr at /dev/console: an
// initramfs without a /dev/console node leaves init without them.
func reopenConsole() {
	f, err := os.OpenFile("/dev/console", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return
	}
	for fd := 0; fd < 3; fd++ {
		unix.Dup3(int(f.Fd()), fd, 0)
	}
	f.Close()
}

// waitDisks finds the virtio disks by serial, waiting for them to appear.
func waitDisks(serials ...string) (map[string]string, error) {
	end := time.Now().Add(15 * time.Second)
	for {
		found := map[string]string{}
		names, _ := filepath.Glob("/sys/block/vd*")
		for _, n := range names {
			s := readTrim(filepath.Join(n, "serial"))
			found[s] = "/dev/" + filepath.Base(n)
		}
		missing := missingKeys(found, serials)
		if len(missing) == 0 {
			return found, nil
		}
		if time.Now().After(end) {
			return nil, fmt.Errorf("no virtio disk with serial %s (found %v)", strings.Join(missing, ", "), found)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func missingKeys(m map[string]string, keys []string) []string {
	var out []string
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}
