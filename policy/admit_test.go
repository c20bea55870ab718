package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var (
	setNone     = Settings{Name: "web", TaskPlacement: PlacementMulti}
	setNetAdmin = Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: CapSetOf(CapNetAdmin)}
	setEveryCap = Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: PrivilegedCaps}
	setAll      = Settings{Name: "web", TaskPlacement: PlacementMulti, PrivilegedCapabilities: PrivilegedCaps, AllowAll: true}
	setSingle   = Settings{Name: "solo", TaskPlacement: PlacementSingle}
	setSingleAl = Settings{Name: "solo", TaskPlacement: PlacementSingle, PrivilegedCapabilities: PrivilegedCaps, AllowAll: true}

	taskA     = Task{ID: "task-a", Source: TaskFromLabel}
	podA      = Task{ID: "pod-a", Source: TaskFromCRI}
	podASbx   = Task{ID: "pod-a", Source: TaskFromCRI, Sandbox: true}
	podBSbx   = Task{ID: "pod-b", Source: TaskFromCRI, Sandbox: true}
	labels    = SELinuxLabels{Process: "system_u:system_r:moat_task_t:s0:c1,c2", Mount: "system_u:object_r:moat_task_file_t:s0:c1,c2"}
	criRoot   = "/var/lib/containerd/io.containerd.grpc.v1.cri/"
	criState  = "/run/containerd/io.containerd.grpc.v1.cri/"
	dockerDir = "/var/lib/docker/"
)

type admitCase struct {
	name     string
	settings Settings
	mods     []specMod
	task     Task // zero means taskA
	live     LiveTasks
	host     *Host
	// wantRules is nil for an allowed container, else the rules violated.
	wantRules  []Rule
	wantReason []string // substrings of the reason
	wantCaps   CapSet   // Adjustments.PrivilegedCaps when allowed
}

func mods(m ...specMod) []specMod { return m }

var capabilityCases = []admitCase{
	{name: "plain default spec", settings: setNone},
	{name: "default caps in all five sets", settings: setNone, mods: mods(withCaps("ia", defaultCapNames...))},
	{name: "NET_ADMIN in bounding only", settings: setNone, mods: mods(withCaps("b", "CAP_NET_ADMIN")),
		wantRules: []Rule{RuleCapabilities}, wantReason: []string{"CAP_NET_ADMIN (in bounding);"}},
	{name: "NET_ADMIN in effective only", settings: setNone, mods: mods(withCaps("e", "CAP_NET_ADMIN")),
		wantRules: []Rule{RuleCapabilities}, wantReason: []string{"(in effective)"}},
	{name: "NET_ADMIN in inheritable only", settings: setNone, mods: mods(withCaps("i", "CAP_NET_ADMIN")),
		wantRules: []Rule{RuleCapabilities}, wantReason: []string{"(in inheritable)"}},
	{name: "NET_ADMIN in permitted only", settings: setNone, mods: mods(withCaps("p", "CAP_NET_ADMIN")),
		wantRules: []Rule{RuleCapabilities}, wantReason: []string{"(in permitted)"}},
	{name: "NET_ADMIN in ambient only", settings: setNone, mods: mods(withCaps("a", "CAP_NET_ADMIN")),
		wantRules: []Rule{RuleCapabilities}, wantReason: []string{"(in ambient)"}},
	{name: "NET_ADMIN in bounding effective permitted, none allowed", settings: setNone,
		mods: mods(withCaps("bep", "CAP_NET_ADMIN")), wantRules: []Rule{RuleCapabilities},
		wantReason: []string{`container asks for CAP_NET_ADMIN (in bounding, effective, permitted); capacity provider "web" allows none; add CAP_NET_ADMIN to capacityProvider.privilegedCapabilities`}},
	{name: "NET_ADMIN opted in", settings: setNetAdmin, mods: mods(withCaps("bep", "CAP_NET_ADMIN")),
		wantCaps: CapSetOf(CapNetAdmin)},
	{name: "SYS_ADMIN beside an opted-in NET_ADMIN", settings: setNetAdmin,
		mods: mods(withCaps("bep", "CAP_NET_ADMIN", "CAP_SYS_ADMIN")), wantRules: []Rule{RuleCapabilities},
		wantReason: []string{`asks for CAP_SYS_ADMIN (in bounding, effective, permitted); capacity provider "web" allows CAP_NET_ADMIN; add CAP_SYS_ADMIN to`}},
	{name: "two missing capabilities are both named", settings: setNone,
		mods: mods(withCaps("b", "CAP_SYS_ADMIN", "CAP_BPF")), wantRules: []Rule{RuleCapabilities},
		wantReason: []string{"CAP_SYS_ADMIN (in bounding), CAP_BPF (in bounding)", "add CAP_SYS_ADMIN, CAP_BPF to"}},
	{name: "name without prefix in lower case still counts", settings: setNone, mods: mods(withCaps("b", "net_admin")),
		wantRules: []Rule{RuleCapabilities}, wantReason: []string{"CAP_NET_ADMIN (in bounding)"}},
	{name: "unknown capability name", settings: setNone, mods: mods(withCaps("b", "CAP_NET_ADMN")),
		wantRules: []Rule{RuleUnknownCapability}, wantReason: []string{`"CAP_NET_ADMN" (in bounding; did you mean CAP_NET_ADMIN?)`}},
	{name: "many unknown capability names", settings: setNone,
		mods:      mods(withCaps("b", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A1"), withCaps("e", "A1")),
		wantRules: []Rule{RuleUnknownCapability}, wantReason: []string{`"A1" (in bounding, effective)`, `"A8" (in bounding), 2 more unknown names, which are no Linux capability`}},
	{name: "unknown capability name under ALL", settings: setAll, mods: mods(withCaps("b", "CAP_NET_ADMN"))},
	{name: "BPF under ALL", settings: setAll, mods: mods(withCaps("be", "CAP_BPF")), wantCaps: CapSetOf(CapBPF)},
	{name: "privileged-style spec with every capability listed one by one", settings: setEveryCap,
		mods: mods(allCapsSpec), wantRules: []Rule{RulePrivileged}, wantReason: []string{"asks for every capability", "allows every capability outside the default set, listed one by one", "set capacityProvider.privilegedCapabilities to ALL"}},
	{name: "privileged-style spec under ALL", settings: setAll, mods: mods(allCapsSpec), wantCaps: PrivilegedCaps},
	{name: "every capability but one (a sandboxed runtime's privileged spec)", settings: setEveryCap,
		mods: mods(capsExcept(CapSysResource)), wantRules: []Rule{RulePrivileged},
		wantReason: []string{"asks for 40 of the 41 capabilities, all but CAP_SYS_RESOURCE (a privileged container)"}},
	{name: "all but four capabilities, listed one by one", settings: setEveryCap,
		mods: mods(capsExcept(CapChown, CapKill, CapBPF, CapPerfmon)), wantCaps: PrivilegedCaps &^ CapSetOf(CapBPF, CapPerfmon)},
	{name: "no process", settings: setNone, mods: mods(func(s *specs.Spec) { s.Process = nil })},
	{name: "no capabilities", settings: setNone, mods: mods(func(s *specs.Spec) { s.Process.Capabilities = nil })},
}

var namespaceCases = []admitCase{
	{name: "host PID namespace", settings: setNetAdmin, mods: mods(withoutNamespace(specs.PIDNamespace)),
		wantRules:  []Rule{RuleHostNamespace},
		wantReason: []string{`container shares the host's PID namespace (linux.namespaces has no "pid" entry), which requires ALL; capacity provider "web" allows CAP_NET_ADMIN; set capacityProvider.privilegedCapabilities to ALL`}},
	{name: "host IPC namespace", settings: setNone, mods: mods(withoutNamespace(specs.IPCNamespace)),
		wantRules: []Rule{RuleHostNamespace}, wantReason: []string{"host's IPC namespace"}},
	{name: "host network namespace", settings: setNone, mods: mods(withoutNamespace(specs.NetworkNamespace)),
		wantRules: []Rule{RuleHostNamespace}, wantReason: []string{"host's network namespace"}},
	{name: "host mount namespace", settings: setNone, mods: mods(withoutNamespace(specs.MountNamespace)),
		wantRules: []Rule{RuleHostNamespace}, wantReason: []string{"host's mount namespace"}},
	{name: "host PID and network namespaces together", settings: setNone,
		mods:      mods(withoutNamespace(specs.PIDNamespace), joinNamespace(specs.NetworkNamespace, "/proc/1/ns/net")),
		wantRules: []Rule{RuleHostNamespace}, wantReason: []string{`PID and network namespaces (linux.namespaces has no "pid" entry; linux.namespaces "network" joins /proc/1/ns/net)`}},
	{name: "joins the runtime's own network namespace", settings: setNone, mods: mods(joinNamespace(specs.NetworkNamespace, "/proc/self/ns/net")),
		wantRules: []Rule{RuleHostNamespace}},
	{name: "joins a pod sandbox's network namespace", settings: setNone, mods: mods(joinNamespace(specs.NetworkNamespace, "/proc/4242/ns/net"))},
	{name: "joins a namespace the host callback names", settings: setNone,
		mods:      mods(joinNamespace(specs.IPCNamespace, "/var/run/ipcns/x")),
		host:      &Host{IsHostNamespace: func(t specs.LinuxNamespaceType, p string) bool { return p == "/var/run/ipcns/x" }},
		wantRules: []Rule{RuleHostNamespace}, wantReason: []string{"host's IPC namespace"}},
	{name: "host UTS namespace is not privilege", settings: setNone, mods: mods(withoutNamespace(specs.UTSNamespace))},
	{name: "host network namespace under ALL", settings: setAll, mods: mods(withoutNamespace(specs.NetworkNamespace))},
	{name: "no linux section at all", settings: setNone, mods: mods(func(s *specs.Spec) { s.Linux = nil }),
		wantRules: []Rule{RuleHostNamespace, RuleWritableProcSys, RuleSeccomp}, wantReason: []string{`container shares the host's PID, IPC, network and mount namespaces (linux.namespaces has no "pid", "ipc", "network" or "mount" entries), can write /proc/sys`, "and runs without seccomp (linux.seccomp is absent), which each require ALL; capacity provider"}},
	{name: "a capability and two privileges beyond capabilities", settings: setNone,
		mods:       mods(withCaps("b", "CAP_SYS_ADMIN"), withoutNamespace(specs.NetworkNamespace), withSeccomp(nil)),
		wantRules:  []Rule{RuleCapabilities, RuleHostNamespace, RuleSeccomp},
		wantReason: []string{"2 problems: (1) container asks for CAP_SYS_ADMIN", "; (2) container shares the host's network namespace", "and runs without seccomp"}},
}

var deviceCases = []admitCase{
	{name: "every device allowed", settings: setNone, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Access: "rwm"})),
		wantRules: []Rule{RuleDevices}, wantReason: []string{"may access every device (linux.resources.devices[4]: allow a *:* rwm)"}},
	{name: "every device of type a with empty access", settings: setNone, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Type: "a"})),
		wantRules: []Rule{RuleDevices}},
	{name: "every char device readable", settings: setNone, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Access: "r"})),
		wantRules: []Rule{RuleDevices}, wantReason: []string{"every char device"}},
	{name: "mknod of every device only (docker's default)", settings: setNone,
		mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Access: "m"}), withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Type: "b", Access: "m"}))},
	{name: "deny every device", settings: setNone, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}))},
	{name: "a block device writable", settings: setNone, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: i64(8), Minor: i64(0), Access: "rw"})),
		wantRules: []Rule{RuleDevices}, wantReason: []string{"block devices"}},
	{name: "/dev/mem readable", settings: setNone, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i64(1), Minor: i64(1), Access: "r"})),
		wantRules: []Rule{RuleDevices}, wantReason: []string{"/dev/mem"}},
	{name: "/dev/net/tun", settings: setNone, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i64(10), Minor: i64(200), Access: "rwm"}))},
	{name: "block device node", settings: setNone, mods: mods(withDevice(specs.LinuxDevice{Path: "/dev/sda", Type: "b", Major: 8})),
		wantRules: []Rule{RuleDevices}, wantReason: []string{"gets a block device (linux.devices[0]: /dev/sda b 8:0)"}},
	{name: "/dev/fuse node", settings: setNone, mods: mods(withDevice(specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}))},
	{name: "every device under ALL", settings: setAll, mods: mods(withDeviceRule(specs.LinuxDeviceCgroup{Allow: true, Access: "rwm"}))},
}

var mountCases = []admitCase{
	{name: "writable sysfs", settings: setNone, mods: mods(setMountOptions("/sys", "nosuid")),
		wantRules: []Rule{RuleWritableSys}, wantReason: []string{`mounts sysfs writable at /sys (mounts[5] has no "ro" option)`}},
	{name: "writable cgroupfs", settings: setNone, mods: mods(setMountOptions("/sys/fs/cgroup", "nosuid")),
		wantRules: []Rule{RuleWritableSys}, wantReason: []string{"cgroup writable at /sys/fs/cgroup"}},
	{name: "writable /proc/sys", settings: setNone, mods: mods(withReadonlyPaths("/proc/bus")),
		wantRules: []Rule{RuleWritableProcSys}, wantReason: []string{"can write /proc/sys and /proc/sysrq-trigger"}},
	{name: "/proc covered whole by readonlyPaths", settings: setNone, mods: mods(withReadonlyPaths("/proc"))},
	{name: "read-only /proc", settings: setNone, mods: mods(withReadonlyPaths(), setMountOptions("/proc", "ro"))},
	{name: "second proc writable elsewhere", settings: setNone, mods: mods(withMount(specs.Mount{Destination: "/hostproc", Type: "proc", Source: "proc"})),
		wantRules: []Rule{RuleWritableProcSys}, wantReason: []string{"/hostproc/sys is writable"}},
	{name: "bpffs mounted", settings: setNone, mods: mods(withMount(specs.Mount{Destination: "/sys/fs/bpf", Type: "bpf", Source: "bpf", Options: []string{"ro"}})),
		wantRules: []Rule{RuleKernelFS}, wantReason: []string{"kernel filesystem bpf"}},
	{name: "bind of /", settings: setNone, mods: mods(bind("/", "/host", "ro")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"bind-mounts the host's root filesystem (mounts[8]: / at /host, read-only)"}},
	{name: "bind of the containerd socket", settings: setNone, mods: mods(bind("/run/containerd/containerd.sock", "/run/containerd.sock")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"the host's /run/containerd"}},
	{name: "bind of the docker socket read-only", settings: setNone, mods: mods(bind("/var/run/docker.sock", "/var/run/docker.sock", "ro")),
		wantRules: []Rule{RuleHostPath}},
	{name: "bind of moat's state", settings: setNone, mods: mods(bind("/var/lib/moat/keys", "/keys", "ro")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"/var/lib/moat"}},
	{name: "bind of bpffs", settings: setNone, mods: mods(bind("/sys/fs/bpf", "/bpf")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"the host's /sys"}},
	{name: "bind of /var exposes containerd's root", settings: setNone, mods: mods(bind("/var", "/hostvar", "ro")),
		wantRules: []Rule{RuleHostPath}},
	{name: "bind of /lib/modules read-only", settings: setNone, mods: mods(bind("/lib/modules", "/lib/modules", "ro")),
		wantRules: []Rule{RuleHostPath}},
	{name: "bind of /etc", settings: setNone, mods: mods(bind("/etc", "/hostetc", "ro")), wantRules: []Rule{RuleHostPath}},
	{name: "read-only bind of /etc/ssl/certs", settings: setNone, mods: mods(bind("/etc/ssl/certs", "/etc/ssl/certs", "ro"))},
	{name: "writable bind of /etc/ssl/certs", settings: setNone, mods: mods(bind("/etc/ssl/certs", "/etc/ssl/certs")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"the host's /etc (mounts[8]: /etc/ssl/certs at /etc/ssl/certs, writable)"}},
	{name: "read-only bind of /etc/shadow", settings: setNone, mods: mods(bind("/etc/shadow", "/shadow", "ro")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"/etc/shadow"}},
	{name: "read-only bind of /usr/share/zoneinfo", settings: setNone, mods: mods(bind("/usr/share/zoneinfo", "/usr/share/zoneinfo", "ro"))},
	{name: "writable bind of /usr/share/zoneinfo", settings: setNone, mods: mods(bind("/usr/share/zoneinfo", "/zi")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"/usr"}},
	{name: "bind of a data folder", settings: setNone, mods: mods(bind("/data/app", "/data"))},
	{name: "bind with an unclean path into /run/containerd", settings: setNone, mods: mods(bind("/tmp/../run/./containerd/", "/x")),
		wantRules: []Rule{RuleHostPath}},
	{name: "bind from a relative path inside the bundle", settings: setNone, mods: mods(bind("files/config", "/config"))},
	{name: "bind from a relative path leaving the bundle", settings: setNone, mods: mods(bind("../../../etc", "/x")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"a path outside the bundle"}},
	{name: "bind option without bind type", settings: setNone,
		mods:      mods(withMount(specs.Mount{Destination: "/x", Source: "/proc", Options: []string{"bind"}})),
		wantRules: []Rule{RuleHostPath}},
	{name: "CRI pod's own hosts and shm", settings: setNone, task: podA,
		mods: mods(bind(criRoot+"sandboxes/pod-a/hosts", "/etc/hosts"), bind(criState+"sandboxes/pod-a/shm", "/dev/shm"))},
	{name: "CRI container's own image volume", settings: setNone, task: podA,
		mods: mods(bind(criRoot+"containers/ctr-1/volumes/abc", "/data"))},
	{name: "another pod's shm", settings: setNone, task: podA, mods: mods(bind(criState+"sandboxes/pod-b/shm", "/dev/shm")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"the host's /run/containerd"}},
	{name: "sandbox folders of CRI as a whole", settings: setNone, task: podA, mods: mods(bind(criState+"sandboxes/pod-a", "/x")),
		wantRules: []Rule{RuleHostPath}},
	{name: "pod folder claimed by a non-CRI task", settings: setNone, task: Task{ID: "pod-a", Source: TaskFromLabel},
		mods: mods(bind(criRoot+"sandboxes/pod-a/hosts", "/etc/hosts")), wantRules: []Rule{RuleHostPath}},
	{name: "docker's per-container files and a named volume", settings: setNone,
		mods: mods(bind(dockerDir+"containers/ctr-1/hosts", "/etc/hosts"), bind(dockerDir+"volumes/db/_data", "/var/lib/db"))},
	{name: "another docker container's files", settings: setNone, mods: mods(bind(dockerDir+"containers/ctr-2/hosts", "/etc/hosts")),
		wantRules: []Rule{RuleHostPath}, wantReason: []string{"/var/lib/docker"}},
	{name: "a Host with only a namespace callback keeps the default roots", settings: setNone,
		host: &Host{IsHostNamespace: func(specs.LinuxNamespaceType, string) bool { return false }},
		mods: mods(bind("/var/lib/containerd/io.containerd.content.v1.content", "/x", "ro")), wantRules: []Rule{RuleHostPath}},
	{name: "moat state moved by configuration", settings: setNone, host: &Host{Protected: []string{"/srv/moat/"}},
		mods: mods(bind("/srv/moat/spool", "/x", "ro"), bind("/srv/data", "/y")), wantRules: []Rule{RuleHostPath}, wantReason: []string{"the host's /srv/moat (mounts[8]"}},
	{name: "containerd root of the test harness", settings: setNone,
		host: &Host{ContainerdRoot: "/tmp/ctd/root", ContainerdState: "/tmp/ctd/state"},
		mods: mods(bind("/tmp/ctd", "/x", "ro")), wantRules: []Rule{RuleHostPath}, wantReason: []string{"/tmp/ctd/root"}},
	{name: "sensitive binds under ALL", settings: setAll, mods: mods(bind("/", "/host"), bind("/run/containerd", "/c"))},
}

var confinementCases = []admitCase{
	{name: "unconfined SELinux type spc_t", settings: setNone, mods: mods(withLabel("system_u:system_r:spc_t:s0")),
		wantRules: []Rule{RuleSELinux}, wantReason: []string{`asks for the unconfined SELinux type spc_t (process.selinuxLabel "system_u:system_r:spc_t:s0")`}},
	{name: "unconfined_t", settings: setNone, mods: mods(withLabel("unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023")),
		wantRules: []Rule{RuleSELinux}},
	{name: "every MCS category", settings: setNone, mods: mods(withLabel("system_u:system_r:container_t:s0-s0:c0.c1023")),
		wantRules: []Rule{RuleSELinux}, wantReason: []string{"every SELinux category"}},
	{name: "confined label of its own is replaced", settings: setNone, mods: mods(withLabel("system_u:system_r:container_t:s0:c5,c6"))},
	{name: "spc_t under ALL still gets the task's label", settings: setAll, mods: mods(withLabel("system_u:system_r:spc_t:s0"))},
	{name: "no seccomp", settings: setNetAdmin, mods: mods(withSeccomp(nil)), wantRules: []Rule{RuleSeccomp},
		wantReason: []string{`container runs without seccomp (linux.seccomp is absent), which requires ALL; capacity provider "web" allows CAP_NET_ADMIN; set capacityProvider.privilegedCapabilities to ALL`}},
	{name: "seccomp that allows everything", settings: setNone, mods: mods(withSeccomp(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow})),
		wantRules: []Rule{RuleSeccomp}, wantReason: []string{"allows every syscall"}},
	{name: "seccomp that logs everything, rules allow", settings: setNone,
		mods:      mods(withSeccomp(&specs.LinuxSeccomp{DefaultAction: specs.ActLog, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}})),
		wantRules: []Rule{RuleSeccomp}},
	{name: "seccomp deny list", settings: setNone,
		mods: mods(withSeccomp(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"bpf"}, Action: specs.ActErrno}}}))},
	{name: "no seccomp under ALL", settings: setAll, mods: mods(withSeccomp(nil))},
}

var placementCases = []admitCase{
	{name: "single: empty instance", settings: setSingle, live: LiveTasks{}},
	{name: "single: same task lives", settings: setSingle, live: LiveTasks{"task-a": 2}},
	{name: "single: another task lives", settings: setSingle, live: LiveTasks{"task-b": 1},
		wantRules:  []Rule{RulePlacement},
		wantReason: []string{`container of task "task-a" asks to run beside another task, and task "task-b" has 1 live container; capacity provider "solo" allows a single task (capacityProvider.taskPlacement: single); wait until that task exits, or set capacityProvider.taskPlacement to multi`}},
	{name: "single: two other tasks live", settings: setSingle, live: LiveTasks{"task-c": 1, "task-b": 3, "task-a": 1},
		wantRules: []Rule{RulePlacement}, wantReason: []string{`task "task-b" has 3 live containers (and 1 more task)`}},
	{name: "single: another task with no live container", settings: setSingle, live: LiveTasks{"task-b": 0}},
	{name: "multi: another task lives", settings: setNone, live: LiveTasks{"task-b": 4}},
	{name: "single: sandbox of a second pod", settings: setSingle, task: podBSbx, live: LiveTasks{"pod-a": 1},
		wantRules: []Rule{RulePlacement}, wantReason: []string{`task "pod-b"`}},
	{name: "single: container of the pod whose sandbox lives", settings: setSingle, task: podA, live: LiveTasks{"pod-a": 1}},
	{name: "single: sandbox of the first pod", settings: setSingle, task: podASbx},
	{name: "invalid placement counts as single", settings: Settings{Name: "x", TaskPlacement: "sole"}, live: LiveTasks{"task-b": 1},
		wantRules: []Rule{RulePlacement}, wantReason: []string{"(capacityProvider.taskPlacement: sole)"}},
	{name: "single: ALL does not lift placement", settings: setSingleAl, live: LiveTasks{"task-b": 1},
		wantRules: []Rule{RulePlacement}},
	{name: "single: placement and capabilities together", settings: setSingle, live: LiveTasks{"task-b": 1},
		mods: mods(withCaps("b", "CAP_SYS_ADMIN")), wantRules: []Rule{RuleCapabilities, RulePlacement},
		wantReason: []string{"2 problems: (1) container asks for CAP_SYS_ADMIN", "; (2) container of task"}},
}

func allAdmitCases() []admitCase {
	return slices.Concat(capabilityCases, namespaceCases, deviceCases, mountCases, confinementCases, placementCases)
}

func (c admitCase) request() Request {
	spec := baseSpec()
	for _, m := range c.mods {
		m(spec)
	}
	task := c.task
	if task.ID == "" {
		task = taskA
	}
	return Request{ContainerID: "ctr-1", Spec: spec, Task: task, Labels: labels, Live: c.live, Host: c.host}
}

func TestAdmit(t *testing.T) {
	cases := allAdmitCases()
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.settings
			d := Admit(&s, c.request())
			checkDecision(t, c, d)
		})
	}
}

func checkDecision(t *testing.T, c admitCase, d Decision) {
	t.Helper()
	var got []Rule
	for _, v := range d.Violations {
		got = append(got, v.Rule)
	}
	if d.Allowed != (len(c.wantRules) == 0) || !slices.Equal(got, c.wantRules) {
		t.Fatalf("allowed %v, rules %v, want rules %v; reason: %s", d.Allowed, got, c.wantRules, d.Reason)
	}
	for _, want := range c.wantReason {
		if !strings.Contains(d.Reason, want) {
			t.Errorf("reason %q\nlacks %q", d.Reason, want)
		}
	}
	if !d.Allowed {
		if err := d.Err(); !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), d.Reason) {
			t.Errorf("Err() = %v, want ErrDenied with the reason", err)
		}
		return
	}
	want := Adjustments{ProcessLabel: labels.Process, MountLabel: labels.Mount, PrivilegedCaps: c.wantCaps}
	if d.Adjustments != want || d.Err() != nil || d.Reason != "" {
		t.Errorf("adjustments %+v err %v, want %+v", d.Adjustments, d.Err(), want)
	}
}

func TestAdmitNilInputs(t *testing.T) {
	s := setNone
	if d := Admit(&s, Request{ContainerID: "c"}); d.Allowed || d.Violations[0].Rule != RuleSpec {
		t.Errorf("nil spec: %+v", d)
	}
	if d := Admit(nil, Request{Spec: baseSpec()}); d.Allowed || d.Violations[0].Rule != RuleSettings {
		t.Errorf("nil settings: %+v", d)
	}
}

func TestAdmitDoesNotChangeTheSpec(t *testing.T) {
	req := admitCase{mods: mods(withCaps("b", "CAP_SYS_ADMIN"), bind("/", "/h"))}.request()
	before := mustJSON(t, req.Spec)
	s := setNone
	Admit(&s, req)
	if after := mustJSON(t, req.Spec); after != before {
		t.Errorf("Admit changed the spec")
	}
}

func TestApply(t *testing.T) {
	a := Adjustments{ProcessLabel: labels.Process, MountLabel: labels.Mount, PrivilegedCaps: CapSetOf(CapBPF)}
	spec := baseSpec()
	spec.Process.SelinuxLabel = "system_u:system_r:spc_t:s0"
	Apply(spec, a)
	if spec.Process.SelinuxLabel != labels.Process || spec.Linux.MountLabel != labels.Mount {
		t.Errorf("labels %q %q", spec.Process.SelinuxLabel, spec.Linux.MountLabel)
	}
	bare := &specs.Spec{}
	Apply(bare, a)
	if bare.Process == nil || bare.Process.SelinuxLabel != labels.Process || bare.Linux.MountLabel != labels.Mount {
		t.Errorf("bare spec not adjusted: %+v", bare)
	}
	Apply(nil, a) // must not panic
}
