package nriplugin

import (
	"github.com/containerd/nri/pkg/api"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SpecOf builds the OCI spec that admission sees for an NRI container.
// What NRI does not show stays empty: no capabilities, no SELinux label.
// A seccomp profile that is not unconfined is shown as a default-deny
// profile, since NRI tells its type and not its rules; a missing one is
// containerd's default for CRI, unconfined. NRI does not show masked and
// read-only paths either: the view carries containerd's defaults
// (DefaultMaskedPaths, DefaultReadonlyPaths), so that the plugin leaves
// them to the runtime wrapper, which sees the real ones.
func SpecOf(pod *api.PodSandbox, c *api.Container) *specs.Spec {
	s := &specs.Spec{
		Version:     specs.Version,
		Annotations: annotations(pod, c),
		Process:     process(c),
		Mounts:      mounts(c.GetMounts()),
		Linux:       linux(c.GetLinux()),
	}
	return s
}

// annotations are the container's, with the CRI sandbox id that makes
// the pod the container's task.
func annotations(pod *api.PodSandbox, c *api.Container) map[string]string {
	a := make(map[string]string, len(c.GetAnnotations())+2)
	for k, v := range c.GetAnnotations() {
		a[k] = v
	}
	if sandbox := c.GetPodSandboxId(); sandbox != "" {
		a[annotationSandboxID] = sandbox
	} else if pod.GetId() != "" {
		a[annotationSandboxID] = pod.GetId()
	}
	if a[annotationContainerType] == "" {
		a[annotationContainerType] = "container"
	}
	return a
}

// The CRI annotations containerd puts in a container's spec.
const (
	annotationSandboxID     = "io.kubernetes.cri.sandbox-id"
	annotationContainerType = "io.kubernetes.cri.container-type"
)

func process(c *api.Container) *specs.Process {
	p := &specs.Process{Args: c.GetArgs(), Env: c.GetEnv(), Cwd: "/"}
	if u := c.GetUser(); u != nil {
		p.User = specs.User{UID: u.GetUid(), GID: u.GetGid(), AdditionalGids: u.GetAdditionalGids()}
	}
	for _, r := range c.GetRlimits() {
		p.Rlimits = append(p.Rlimits, specs.POSIXRlimit{Type: r.GetType(), Hard: r.GetHard(), Soft: r.GetSoft()})
	}
	return p
}

func mounts(ms []*api.Mount) []specs.Mount {
	var out []specs.Mount
	for _, m := range ms {
		out = append(out, m.ToOCI(nil))
	}
	return out
}

func linux(l *api.LinuxContainer) *specs.Linux {
	out := &specs.Linux{Sysctl: l.GetSysctl(), Seccomp: seccomp(l.GetSeccompProfile()),
		MaskedPaths: DefaultMaskedPaths, ReadonlyPaths: DefaultReadonlyPaths}
	for _, ns := range l.GetNamespaces() {
		out.Namespaces = append(out.Namespaces, specs.LinuxNamespace{
			Type: specs.LinuxNamespaceType(ns.GetType()), Path: ns.GetPath()})
	}
	for _, d := range l.GetDevices() {
		out.Devices = append(out.Devices, d.ToOCI())
	}
	if r := l.GetResources(); r != nil {
		out.Resources = &specs.LinuxResources{Devices: deviceRules(r.GetDevices())}
	}
	out.CgroupsPath = l.GetCgroupsPath()
	return out
}

func deviceRules(rules []*api.LinuxDeviceCgroup) []specs.LinuxDeviceCgroup {
	var out []specs.LinuxDeviceCgroup
	for _, r := range rules {
		o := specs.LinuxDeviceCgroup{Allow: r.GetAllow(), Type: r.GetType(), Access: r.GetAccess()}
		if r.GetMajor() != nil {
			v := r.GetMajor().GetValue()
			o.Major = &v
		}
		if r.GetMinor() != nil {
			v := r.GetMinor().GetValue()
			o.Minor = &v
		}
		out = append(out, o)
	}
	return out
}

func seccomp(p *api.SecurityProfile) *specs.LinuxSeccomp {
	if p == nil || p.GetProfileType() == api.SecurityProfile_UNCONFINED {
		return nil
	}
	return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}
}

// containerd's default masked and read-only paths of a CRI container.
var (
	DefaultMaskedPaths = []string{"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
		"/sys/devices/virtual/powercap", "/proc/scsi"}
	DefaultReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)
