package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseCgroup2Mount(t *testing.T) {
	tests := []struct {
		name, info string
		want       mount
		err        bool
	}{
		{"pure v2", "29 1 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n", mount{"/sys/fs/cgroup", "/"}, false},
		{"hybrid", "30 25 0:27 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n" +
			"31 30 0:28 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw\n" +
			"32 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", mount{"/sys/fs/cgroup/unified", "/"}, false},
		{"escaped", `40 1 0:30 /sub /mnt/cg\040v2 rw - cgroup2 none rw` + "\n", mount{"/mnt/cg v2", "/sub"}, false},
		{"v1 only", "32 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", mount{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCgroup2Mount(strings.NewReader(tt.info))
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, error %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestUnifiedPath(t *testing.T) {
	dir := t.TempDir()
	hybrid := filepath.Join(dir, "hybrid")
	os.WriteFile(hybrid, []byte("12:memory:/x\n1:name=systemd:/x\n0::/system.slice/x.scope\n"), 0o644)
	if p, err := unifiedPath(hybrid); err != nil || p != "/system.slice/x.scope" {
		t.Errorf("hybrid: %q, %v", p, err)
	}
	v1 := filepath.Join(dir, "v1")
	os.WriteFile(v1, []byte("12:memory:/x\n"), 0o644)
	if _, err := unifiedPath(v1); err == nil || !strings.Contains(err.Error(), "0::") {
		t.Errorf("v1 only: %v, want an error naming the 0:: line", err)
	}
}

// TestCgroupIDOfSelf checks the id against the inode of our own cgroup.
func TestCgroupIDOfSelf(t *testing.T) {
	id, dir, err := CgroupID(os.Getpid())
	if err != nil {
		t.Fatalf("cgroup id of the test process: %v (cgroup2 must be mounted)", err)
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil || st.Ino != id || id == 0 {
		t.Errorf("id %d of %s, stat %d %v", id, dir, st.Ino, err)
	}
	if _, _, err := CgroupID(1 << 30); err == nil {
		t.Error("cgroup id of a pid that does not exist")
	}
}

func TestReadPid(t *testing.T) {
	dir := t.TempDir()
	for content, ok := range map[string]bool{"42": true, "42\n": true, "x": false, "-1": false, "": false} {
		p := filepath.Join(dir, "pid")
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := ReadPid(p); (err == nil) != ok {
			t.Errorf("pid file %q: err %v", content, err)
		}
	}
}
