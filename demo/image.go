package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/moat-sh/moat/containerd/runtime/front"

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

// scenarioPath is the scenario's place in the image: a program on the
// protected root, which the exec family lets run.
const scenarioPath = "/usr/libexec/moat-demo/scenario"

// units are the instance's default units with two changes: demo-setup
// copies the configuration and the enrolment token (a per-boot scenario
// file, so that the image stays cached) to the data disk, and moatd reads
// its configuration there, so that the scenario can rewrite it.
//
// The attestation reporter reads the dpkg database; /var is the blank
// data disk, so demo-setup copies there the host's entries of the
// packages whose files the image holds (busybox-static, runc). It runs
// before moatd: afterwards the exec family refuses a shell on the host.
func units() []guest.Unit {
	setup := instance.NewUnit("demo-setup", "/bin/sh", guest.TypeOneshot, "-c",
		"mkdir -p "+guestDir+" && cp "+instance.MoatConfigPath+" "+guestConfig+
			" && cp /run/moat/scenario/enrol-token "+guestDir+"/enrol-token"+
			" && mkdir -p /var/lib/dpkg && cp "+dpkgStatus+" /var/lib/dpkg/status")
	var us []guest.Unit
	for _, u := range instance.DefaultUnits() {
		if u.Name == "moatd" {
			u.Args = []string{"--config", guestConfig}
			u.DependsOn = append(u.DependsOn, setup.Name)
			u.RestartPrevent = []int{100, 78} // drained (endAction exit); configuration refused
			us = append(us, setup)
		}
		us = append(us, u)
	}
	return us
}

// dataLabels are the instance's and the demo's folder, moat's state
// (moatd's configuration and enrolment token), with two folders in it:
// the tasks' logs, which containerd's shim writes (the runtime's state),
// and the folder the mcs step's two tasks share, task files at s0, which
// each task's pair dominates, so that a file one task writes there takes
// its pair.
func dataLabels() []guest.PathLabel {
	const label = "system_u:object_r:%s:s0"
	return append(instance.DefaultDataLabels(),
		guest.PathLabel{Path: guestDir, Context: fmt.Sprintf(label, "moat_state_t")},
		guest.PathLabel{Path: guestDir + "/logs", Context: fmt.Sprintf(label, "moat_runtime_state_t")},
		guest.PathLabel{Path: guestDir + "/shared", Context: fmt.Sprintf(label, "moat_task_file_t")})
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
		Binaries: append([]instance.File{
			{Host: b.path("moatd"), Guest: "/usr/bin/moatd"},
			{Host: b.path("moat"), Guest: "/usr/bin/moat"},
			{Host: b.scenario, Guest: scenarioPath},
		}, instance.RuntimeFiles(b.path(front.Name), b.path("moat-runtime"))...),
		Files: []instance.File{
			{Host: o.path("containerd/config/containerd-moat.toml"), Guest: instance.ContainerdConfDir + "/moat.toml"},
			{Host: b.dpkg, Guest: dpkgStatus, Mode: 0o644},
		},
		MoatConfig: o.path("demo/config.yaml"),
		Units:      units(),
		DataLabels: dataLabels(),
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
