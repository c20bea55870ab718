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
	dpkgStatus  = "/usr/share/moat-demo/dpkg-status" // copied to /var/lib/dpkg/status
)

// execAudit is the sed program that turns the exec family's mode from
// enforce to audit in the configuration.
const execAudit = `/^  exec:$/{n;s/mode: enforce/mode: audit/;}`

// units are the instance's default units with two changes: demo-setup
// copies the configuration and the enrolment token (a per-boot scenario
// file, so that the image stays cached) to the data disk, and moatd reads
// its configuration there, so that the scenario can rewrite it.
//
// The attestation reporter reads the dpkg database; /var is the blank
// data disk, so demo-setup copies there the host's entries of the
// packages whose files the image holds (busybox-static, runc).
//
// demo-setup also starts the exec family in audit: the scenario is a file
// of the per-boot initramfs (/run/moat/scenario), off the protected root,
// and the exec rule would refuse to start it (exec-unprotected). Its first
// step sets the family to enforce. This goes once vmtests/instance can
// run a scenario program from the image.
func units() []guest.Unit {
	setup := instance.NewUnit("demo-setup", "/bin/sh", guest.TypeOneshot, "-c",
		"mkdir -p "+guestDir+" /var/log/moat && sed '"+execAudit+"' "+
			instance.MoatConfigPath+" > "+guestConfig+" && cp /run/moat/scenario/enrol-token "+guestDir+"/enrol-token"+
			" && mkdir -p /var/lib/dpkg && cp "+dpkgStatus+" /var/lib/dpkg/status")
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
		Files: []instance.File{
			{Host: o.path("containerd/config/containerd-moat.toml"), Guest: instance.ContainerdConfDir + "/moat.toml"},
			{Host: b.dpkg, Guest: dpkgStatus, Mode: 0o644},
		},
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
