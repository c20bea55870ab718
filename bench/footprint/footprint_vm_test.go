//go:build vmtest

package footprint

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/containerd/runtime/front"

	"github.com/moat-sh/moat/vmtests/harness"
	"github.com/moat-sh/moat/vmtests/instance"
	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// guestPath is the guest program's place in the image: on the protected
// root, which the exec family lets run.
const guestPath = "/usr/libexec/moat-bench/footprint"

// TestFootprint boots the instance with moatd and runs the guest program,
// whose result lines go to standard output for make bench's driver. It
// fails when the guest could not read a figure; it asserts no figure.
func TestFootprint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	vm, err := harness.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	k, err := harness.FindKernel(vm.KernelDir)
	if err != nil {
		t.Fatalf("%v (run make deps, or set MOAT_CACHE to a folder with kernel/ and containerd/)", err)
	}
	vm.Accel = harness.ProbeAccel(ctx, vm, k)
	fmt.Printf("footprint: accel %s\n", vm.Accel) // for the driver's note
	bin := buildBinaries(t)
	img := buildImage(ctx, t, vm, k, bin)
	res, err := instance.Boot(ctx, instance.BootSpec{
		Image:    img,
		Scenario: instance.Scenario{Path: guestPath, Env: guestEnv()},
		VM:       vm,
		Output:   os.Stdout,
		Console:  filepath.Join(t.TempDir(), "console.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("footprint: units ready after %s, total %s (accel %s)", res.Ready.Round(time.Second), res.Total.Round(time.Second), vm.Accel)
	if res.Exit != 0 {
		t.Fatalf("the guest program exited %d", res.Exit)
	}
}

// guestEnv passes the MOAT_FOOTPRINT_* settings on to the guest.
func guestEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MOAT_FOOTPRINT_") {
			env = append(env, kv)
		}
	}
	return env
}

// buildBinaries builds moatd, moat, moat-runtime and its front, moat-supervise and the
// guest program, static and without VCS stamps (the image stays cached
// while the tree does not change).
func buildBinaries(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	for _, pkgs := range [][]string{
		{"./cmd/moatd", "./cmd/moat", "./cmd/moat-runtime", "./cmd/moat-supervise", "./cmd/moat-policy"},
		{"./bench/footprint/guest"},
	} {
		args := append([]string{"build", "-buildvcs=false", "-trimpath", "-o", out + "/"}, pkgs...)
		cmd := exec.Command("go", args...)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", pkgs, err, msg)
		}
	}
	if err := front.Build(context.Background(), filepath.Join(out, front.Name)); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(filepath.Join(out, "moat-policy"), "compile", filepath.Join(out, "policy.bin")).CombinedOutput(); err != nil {
		t.Fatalf("compile the SELinux policy (secilc: make deps): %v\n%s", err, msg)
	}
	return out
}

func buildImage(ctx context.Context, t *testing.T, vm harness.Options, k harness.Kernel, bin string) *instance.Image {
	t.Helper()
	img, err := instance.Build(ctx, instance.Spec{
		CacheDir: vm.CacheDir, Kernel: k, Supervisor: filepath.Join(bin, "moat-supervise"),
		Binaries: append([]instance.File{
			{Host: filepath.Join(bin, "moatd"), Guest: "/usr/bin/moatd"},
			{Host: filepath.Join(bin, "moat"), Guest: "/usr/bin/moat"},
			{Host: filepath.Join(bin, "guest"), Guest: guestPath},
		}, instance.RuntimeFiles(filepath.Join(bin, front.Name), filepath.Join(bin, "moat-runtime"))...),
		Files: []instance.File{
			{Host: "../../containerd/config/containerd-moat.toml", Guest: instance.ContainerdConfDir + "/moat.toml"},
			{Host: filepath.Join(bin, "policy.bin"), Guest: "/usr/share/moat/selinux/policy.bin", Mode: 0o644},
		},
		MoatConfig: "config.yaml",
		Units:      units(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("instance image %s (cached %v, %s)", img.Dir, img.Cached, img.Took.Round(time.Millisecond))
	return img
}

// ownCgroup puts the unit's shell, then moatd that it execs, in a cgroup
// of its own with the memory controller on, as systemd would for
// moatd.service: the guest reads moatd's CPU time there.
const ownCgroup = "echo +memory > /sys/fs/cgroup/cgroup.subtree_control; " +
	"mkdir -p /sys/fs/cgroup/moatd && echo $$ > /sys/fs/cgroup/moatd/cgroup.procs && "

// units are the default units (network, moatd, containerd, the image
// import), with moatd in a cgroup of its own.
func units() []guest.Unit {
	us := instance.DefaultUnits()
	for i := range us {
		if us[i].Name == "moatd" {
			us[i].Command = "/bin/sh"
			us[i].Args = []string{"-c", ownCgroup + "exec /usr/bin/moatd --config " + instance.MoatConfigPath}
			// a diagnosis, e.g. MOAT_FOOTPRINT_MOATD_ENV="GODEBUG=gctrace=1"
			us[i].Env = strings.Fields(os.Getenv("MOAT_FOOTPRINT_MOATD_ENV"))
		}
	}
	return us
}
