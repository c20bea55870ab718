package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ProbeAccel returns "kvm" when KVM really runs a guest here, else "tcg"
// (see probeAccel); o.Accel, when set, wins.
func ProbeAccel(ctx context.Context, o Options, k Kernel) string {
	if o.Accel != "" {
		return o.Accel
	}
	if o.CacheDir == "" {
		if def, err := FromEnv(); err == nil {
			o.CacheDir = def.CacheDir
		}
	}
	tmp, err := os.MkdirTemp("", "moat-vm-probe-")
	if err != nil {
		return "tcg"
	}
	defer os.RemoveAll(tmp)
	return probeAccel(ctx, o, k, tmp)
}

// probeAccel says whether KVM really runs a guest here: /dev/kvm can exist
// and still fail for ordinary kernels. It boots the init alone under KVM
// once and caches the answer for this host kernel and QEMU.
func probeAccel(ctx context.Context, o Options, k Kernel, tmp string) string {
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err != nil {
		return "tcg"
	} else {
		f.Close()
	}
	cache := filepath.Join(o.CacheDir, "vm-accel", hostKey())
	if b, err := os.ReadFile(cache); err == nil {
		return strings.TrimSpace(string(b))
	}
	accel := "tcg"
	if kvmBoots(ctx, o, k, tmp) {
		accel = "kvm"
	}
	os.MkdirAll(filepath.Dir(cache), 0o755)
	os.WriteFile(cache, []byte(accel+"\n"), 0o644)
	return accel
}

func kvmBoots(ctx context.Context, o Options, k Kernel, tmp string) bool {
	dir := filepath.Join(tmp, "probe")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	initrd := filepath.Join(dir, "initramfs.cpio")
	if err := buildImage(dir, k, "", nil, initrd); err != nil {
		return false
	}
	o.Timeout = 20 * time.Second
	o.MemoryMB = 256
	code, err := boot(ctx, o, k, "kvm", initrd, filepath.Join(dir, "console.log"), io.Discard)
	return err == nil && code == 0
}

// hostKey names the host kernel and QEMU version, which decide KVM.
func hostKey() string {
	rel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	ver, _ := exec.Command("qemu-system-x86_64", "--version").Output()
	first, _, _ := strings.Cut(string(ver), "\n")
	return sanitize(fmt.Sprintf("%s-%s", strings.TrimSpace(string(rel)), first))
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
