package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Claims is what an instance states about itself in one report. The daemon
// fills it; nothing in it may carry customer data (no environment,
// arguments, file contents or task names beyond ids).
type Claims struct {
	Lifetime    Lifetime    `json:"lifetime"`
	Patch       Patch       `json:"patch"`
	Enforcement Enforcement `json:"enforcement"`
}

// Drain reasons, as carried in Lifetime.DrainReason and in a nonce reply.
const (
	DrainSchedule   = "schedule"
	DrainVulnerable = "vulnerable"
	DrainOperator   = "operator"
)

// Lifetime is the lifetime claim: who the instance is, since when it runs
// and when it must drain and stop.
type Lifetime struct {
	InstanceID  string        `json:"instanceId"`
	BootID      string        `json:"bootId"`
	LaunchTime  time.Time     `json:"launchTime"`
	Uptime      time.Duration `json:"uptimeNs"`    // CLOCK_BOOTTIME, nanoseconds on the wire
	DrainBy     time.Time     `json:"drainBy"`     // launch + 14 days at most
	TerminateBy time.Time     `json:"terminateBy"` // launch + 21 days at most
	NextWindow  time.Time     `json:"nextWindow,omitzero"`
	Draining    bool          `json:"draining"`
	DrainReason string        `json:"drainReason,omitempty"` // one of the Drain* constants
}

// Patch is the patch claim: what software the instance runs.
type Patch struct {
	KernelRelease  string    `json:"kernelRelease"`
	OSID           string    `json:"osId"`
	OSVersionID    string    `json:"osVersionId"`
	PackagesDigest string    `json:"packagesDigest"` // sha256 of the sorted inventory lines
	PackageCount   int       `json:"packageCount"`
	Packages       []string  `json:"packages,omitempty"` // "name version arch", only on request
	RootFS         RootFS    `json:"rootfs"`
	ImageCreated   time.Time `json:"imageCreated,omitzero"`
}

// RootFS identifies the root filesystem: the dm-verity root hash when
// there is one, else the filesystem UUID and whether it is mounted
// read-only.
type RootFS struct {
	VerityRootHash string `json:"verityRootHash,omitempty"`
	UUID           string `json:"uuid,omitempty"`
	ReadOnly       bool   `json:"readOnly"`
}

// Family modes, as carried in Enforcement.Families.
const (
	ModeEnforce = "enforce"
	ModeAudit   = "audit"
	ModeOff     = "off"
)

// Enforcement is the enforcement claim: which controls are in force.
type Enforcement struct {
	SELinuxMode    string            `json:"selinuxMode"` // enforcing, permissive or disabled
	PolicySHA256   string            `json:"policySha256,omitempty"`
	Lockdown       string            `json:"lockdown"`           // none, integrity or confidentiality
	Families       map[string]string `json:"families,omitempty"` // rule family -> Mode*
	Programs       []Program         `json:"programs,omitempty"`
	SettingsDigest string            `json:"settingsDigest,omitempty"`
	Denials        map[string]uint64 `json:"denials,omitempty"` // since the last report
	Version        string            `json:"version"`
}

// Program is one attached BPF program, by kernel id and tag.
type Program struct {
	ID   uint32 `json:"id"`
	Tag  string `json:"tag"`
	Name string `json:"name"`
}

// Report is one unsigned report: claims observed at a time, numbered by a
// per-instance sequence that only grows. The reporter spools reports and
// signs each with a fresh server nonce when it sends it.
type Report struct {
	Sequence   uint64    `json:"sequence"`
	ObservedAt time.Time `json:"observedAt"`
	Trigger    string    `json:"trigger"` // interval, drain, settings, enforcement, start
	Claims     Claims    `json:"claims"`
}

// ReportDigest is the hex SHA-256 of a report's JSON encoding. The server
// keeps it per sequence, so that a report sent again under a new nonce is
// known for a duplicate.
func ReportDigest(r Report) string {
	b, _ := json.Marshal(r) // plain structs and maps: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
