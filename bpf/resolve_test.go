package bpf

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCollectDevices walks a fake sysfs: a device-mapper device over a
// partition of a disk yields all three.
func TestCollectDevices(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("devices/vda/dev", "254:0\n")
	write("devices/vda/vda2/dev", "254:2\n")
	write("devices/vda/vda2/partition", "2\n")
	write("devices/dm-0/dev", "253:0\n")
	write("devices/dm-0/slaves/vda2/dev", "254:2\n")
	os.MkdirAll(filepath.Join(root, "dev/block"), 0o755)
	for link, target := range map[string]string{"253:0": "devices/dm-0", "254:2": "devices/vda/vda2", "254:0": "devices/vda"} {
		if err := os.Symlink(filepath.Join(root, target), filepath.Join(root, "dev/block", link)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[uint32]bool{}
	collectDevices(filepath.Join(root, "dev/block"), 253<<20, seen, 0)
	for _, d := range []uint32{253 << 20, 254<<20 | 2, 254 << 20} {
		if !seen[d] {
			t.Errorf("device %d:%d not found behind dm-0 (got %v)", d>>20, d&0xfffff, seen)
		}
	}
}

func TestBackingDevicesAnonymous(t *testing.T) {
	if got := backingDevices(0<<20 | 35); got != nil {
		t.Errorf("tmpfs-like dev: %v, want none", got)
	}
}
