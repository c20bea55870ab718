package status

import "time"

// DefaultSocket is where moatd serves status.
const DefaultSocket = "/run/moat/status.sock"

// Status is a snapshot of what moatd enforces and when the instance ends.
type Status struct {
	Version     string    `json:"version"`
	InstanceID  string    `json:"instanceID"`
	Provider    string    `json:"capacityProvider"`
	Placement   string    `json:"taskPlacement"`
	Families    []Family  `json:"families"`
	SELinux     SELinux   `json:"selinux"`
	Tasks       []Task    `json:"tasks"`
	Lifetime    Lifetime  `json:"lifetime"`
	Reporting   Reporting `json:"reporting"`
	GeneratedAt time.Time `json:"generatedAt"`
}

// Family is one BPF rule family.
type Family struct {
	Name    string `json:"name"`
	Mode    string `json:"mode"` // enforce, audit or off
	Denials uint64 `json:"denials"`
}

// SELinux is the state of the loaded policy.
type SELinux struct {
	Mode         string `json:"mode"` // enforcing, permissive or disabled
	PolicySHA256 string `json:"policySHA256,omitempty"`
}

// Task is a live task and its containers.
type Task struct {
	ID           string   `json:"id"`
	Containers   []string `json:"containers"`
	MCS          string   `json:"mcs,omitempty"` // e.g. s0:c12,c345
	Capabilities []string `json:"capabilities,omitempty"`
}

// Lifetime is the instance's schedule.
type Lifetime struct {
	LaunchTime  time.Time  `json:"launchTime"`
	DrainBy     time.Time  `json:"drainBy"`
	TerminateBy time.Time  `json:"terminateBy"`
	NextWindow  *Window    `json:"nextWindow,omitempty"`
	Draining    bool       `json:"draining"`
	DrainReason string     `json:"drainReason,omitempty"`
	DrainAt     *time.Time `json:"drainAt,omitempty"`
}

// Window is one maintenance window occurrence.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Reporting is the state of the attestation reporter.
type Reporting struct {
	Endpoint      string    `json:"endpoint,omitempty"`
	LastDelivered time.Time `json:"lastDelivered,omitempty"`
	SpoolDepth    int       `json:"spoolDepth"`
	LastError     string    `json:"lastError,omitempty"`
}

// Record is one audit event as moatd logs and streams it: a denial, or an
// event that a rule in audit mode would have denied.
type Record struct {
	Time       time.Time `json:"time"`
	Rule       string    `json:"rule"`    // the family: root, exec, caps, tamper
	Check      string    `json:"check"`   // the rule within it, e.g. root-mount
	Hook       string    `json:"hook"`    // the LSM hook
	Verdict    string    `json:"verdict"` // denied or audited
	Pid        uint32    `json:"pid"`
	Tgid       uint32    `json:"tgid"`
	UID        uint32    `json:"uid"`
	Comm       string    `json:"comm"`
	CgroupID   uint64    `json:"cgroupID"`
	Container  string    `json:"container,omitempty"`
	Capability string    `json:"capability,omitempty"`
	Path       string    `json:"path,omitempty"`
	Target     string    `json:"target,omitempty"`
}
