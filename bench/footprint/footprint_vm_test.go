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

	"github.com/moat-sh/moat/vmtests/harness"
	"github.com/moat-sh/moat/vmtests/instance"
	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// liveDir is where moatd's configuration lives on the instance: the data
// disk, so that the scenario can rewrite it (see config.yaml).
const liveDir = "/var/lib/moat-footprint"

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
		Scenario: instance.Scenario{Program: filepath.Join(bin, "guest"), Env: guestEnv()},
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

// buildBinaries builds moatd, moat, moat-runtime, moat-supervise and the
// guest program, static and without VCS stamps (the image stays cached
// while the tree does not change).
func buildBinaries(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	for _, pkgs := range [][]string{
		{"./cmd/moatd", "./cmd/moat", "./cmd/moat-runtime", "./cmd/moat-supervise"},
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
	return out
}

func buildImage(ctx context.Context, t *testing.T, vm harness.Options, k harness.Kernel, bin string) *instance.Image {
	t.Helper()
	img, err := instance.Build(ctx, instance.Spec{
		CacheDir: vm.CacheDir, Kernel: k, Supervisor: filepath.Join(bin, "moat-supervise"),
		Binaries: []instance.File{
			{Host: filepath.Join(bin, "moatd"), Guest: "/usr/bin/moatd"},
			{Host: filepath.Join(bin, "moat"), Guest: "/usr/bin/moat"},
			{Host: filepath.Join(bin, "moat-runtime"), Guest: instance.RuntimePath},
		},
		Files:      []instance.File{{Host: "../../containerd/config/containerd-moat.toml", Guest: instance.ContainerdConfDir + "/moat.toml"}},
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

// execAudit turns the exec family's mode from enforce to audit.
const execAudit = `/^  exec:$/{n;s/mode: enforce/mode: audit/;}`

// units are the default units, with a setup unit that writes moatd's live
// configuration on the data disk (exec in audit) and moatd reading it.
func units() []guest.Unit {
	setup := instance.NewUnit("footprint-setup", "/bin/sh", guest.TypeOneshot, "-c",
		"mkdir -p "+liveDir+" /var/log/moat && sed '"+execAudit+"' "+instance.MoatConfigPath+" > "+liveDir+"/config.yaml")
	moatd := instance.MoatdUnit()
	moatd.Command, moatd.Args = "/bin/sh", []string{"-c", ownCgroup + "exec /usr/bin/moatd --config " + liveDir + "/config.yaml"}
	moatd.DependsOn = []string{"containerd", "footprint-setup"}
	// a diagnosis, e.g. MOAT_FOOTPRINT_MOATD_ENV="GODEBUG=gctrace=1"
	moatd.Env = strings.Fields(os.Getenv("MOAT_FOOTPRINT_MOATD_ENV"))
	return []guest.Unit{instance.NetworkUnit(), instance.ContainerdUnit(), instance.ImagesUnit(), setup, moatd}
}
