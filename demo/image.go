package demo

import (
	"context"
	"time"

	"github.com/moat-sh/moat/vmtests/harness"
	"github.com/moat-sh/moat/vmtests/instance"
	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// Where the demo keeps what changes on the instance: the data disk.
const (
	guestDir    = "/var/lib/moat-demo"
	guestConfig = guestDir + "/config.yaml"
	policyPath  = "/usr/share/moat/selinux/policy.bin"
)

// units are the instance's default units with two changes: demo-setup
// copies the configuration and the enrolment token (a per-boot scenario
// file, so that the image stays cached) to the data disk, and moatd reads
// its configuration there, so that the scenario can rewrite it.
func units() []guest.Unit {
	setup := instance.NewUnit("demo-setup", "/bin/sh", guest.TypeOneshot, "-c",
		"mkdir -p "+guestDir+" /var/log/moat && cp "+instance.MoatConfigPath+" "+guestConfig+
			" && cp /run/moat/scenario/enrol-token "+guestDir+"/enrol-token")
	moatd := instance.MoatdUnit()
	moatd.Args = []string{"--config", guestConfig}
	moatd.DependsOn = []string{"containerd", "demo-setup"}
	moatd.RestartPrevent = []int{100, 78} // drained (endAction exit); configuration refused
	return []guest.Unit{instance.NetworkUnit(), instance.ContainerdUnit(), instance.ImagesUnit(), setup, moatd}
}

func (o Options) buildImage(ctx context.Context, b binaries) (*instance.Image, error) {
	k, err := harness.FindKernel(o.VM.KernelDir)
	if err != nil {
		return nil, err
	}
	spec := instance.Spec{
		CacheDir:   o.VM.CacheDir,
		Kernel:     k,
		Supervisor: b.path("moat-supervise"),
		Binaries: []instance.File{
			{Host: b.path("moatd"), Guest: "/usr/bin/moatd"},
			{Host: b.path("moat"), Guest: "/usr/bin/moat"},
			{Host: b.path("moat-runtime"), Guest: instance.RuntimePath},
		},
		Files:      []instance.File{{Host: o.path("containerd/config/containerd-moat.toml"), Guest: instance.ContainerdConfDir + "/moat.toml"}},
		MoatConfig: o.path("demo/config.yaml"),
		Units:      units(),
	}
	if b.policy != "" {
		spec.Files = append(spec.Files, instance.File{Host: b.policy, Guest: policyPath, Mode: 0o644})
	}
	t := time.Now()
	img, err := instance.Build(ctx, spec)
	if err != nil {
		return nil, err
	}
	how := "built"
	if img.Cached {
		how = "found in the cache"
	}
	o.say("instance image %s in %s (erofs on dm-verity, root hash %.16s…)", how, time.Since(t).Round(10*time.Millisecond), img.Verity.RootHash)
	return img, nil
}
