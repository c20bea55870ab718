package harness

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStreamTakesMarkersOut(t *testing.T) {
	in := "@@moat-vm boot release=6.1.0-56-amd64 lsm=lockdown,capability,selinux,bpf\n" +
		"=== RUN TestX\n--- PASS: TestX\nno newline\n@@moat-vm exit=3\n"
	var out strings.Builder
	booted := 0
	res := stream(strings.NewReader(in), &out, func(*result) { booted++ })
	if got, want := out.String(), "=== RUN TestX\n--- PASS: TestX\nno newline\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if !res.exited || res.exit != 3 || booted != 1 {
		t.Errorf("result %+v booted %d, want exit 3 and one boot line", res, booted)
	}
	if res.release != "6.1.0-56-amd64" || res.lsm != "lockdown,capability,selinux,bpf" {
		t.Errorf("boot line parsed as %q %q", res.release, res.lsm)
	}
}

func TestStreamWithoutExitIsNotExited(t *testing.T) {
	res := stream(strings.NewReader("Kernel panic\n"), &strings.Builder{}, func(*result) {})
	if res.exited {
		t.Error("a guest that never reported its exit code counts as exited")
	}
}

func TestModulePathsOrdersDependenciesFirst(t *testing.T) {
	dir := t.TempDir()
	dep := "kernel/fs/ext4/ext4.ko: kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko\n" +
		"kernel/fs/mbcache.ko:\nkernel/fs/jbd2/jbd2.ko:\nkernel/drivers/block/virtio_blk.ko:\n"
	os.WriteFile(filepath.Join(dir, "modules.dep"), []byte(dep), 0o644)
	os.WriteFile(filepath.Join(dir, "modules.builtin"), []byte("kernel/mm/tmpfs.ko\n"), 0o644)
	k := Kernel{Release: "test", Modules: dir}
	got, err := k.ModulePaths([]string{"ext4", "virtio-blk", "tmpfs", "mbcache"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"kernel/fs/mbcache.ko", "kernel/fs/jbd2/jbd2.ko", "kernel/fs/ext4/ext4.ko", "kernel/drivers/block/virtio_blk.ko"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := k.ModulePaths([]string{"nosuch"}); err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("unknown module: err %v, want one naming it", err)
	}
}

func TestReadListSkipsCommentsAndBlanks(t *testing.T) {
	p := filepath.Join(t.TempDir(), "vm-tools")
	os.WriteFile(p, []byte("# tools\n/usr/bin/secilc\n\n  runc  # the runtime\n"), 0o644)
	got, err := readList(p)
	if err != nil || !reflect.DeepEqual(got, []string{"/usr/bin/secilc", "runc"}) {
		t.Errorf("readList = %v, %v", got, err)
	}
	if got, err := readList(filepath.Join(t.TempDir(), "absent")); got != nil || err != nil {
		t.Errorf("absent list = %v, %v; want nothing", got, err)
	}
}

func TestFindKernelNamesTheFix(t *testing.T) {
	_, err := FindKernel(filepath.Join(t.TempDir(), "none"))
	if err == nil || !strings.Contains(err.Error(), "make deps") {
		t.Errorf("err %v, want one that says make deps", err)
	}
}
