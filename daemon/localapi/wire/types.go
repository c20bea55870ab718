package wire

import specs "github.com/opencontainers/runtime-spec/specs-go"

// DefaultSocket is where moatd serves the local API.
const DefaultSocket = "/run/moat/moatd.sock"

// AdmitRequest asks whether a container may be created.
type AdmitRequest struct {
	ContainerID string      `json:"containerID"`
	Namespace   string      `json:"namespace,omitempty"` // containerd namespace
	Source      string      `json:"source"`              // "runtime" or "nri"
	Spec        *specs.Spec `json:"spec"`
}

// AdmitResponse is the decision. When Allowed, the caller applies the
// labels to the spec before creating the container.
type AdmitResponse struct {
	Allowed      bool   `json:"allowed"`
	Reason       string `json:"reason,omitempty"`
	TaskID       string `json:"taskID,omitempty"`
	ProcessLabel string `json:"processLabel,omitempty"`
	MountLabel   string `json:"mountLabel,omitempty"`
	// CapMask holds the privileged capabilities (bit = capability number)
	// that the BPF capability gate lets this container use.
	CapMask uint64 `json:"capMask"`
}

// Container registers a created container, before its first instruction.
type Container struct {
	ID        string `json:"id"`
	Namespace string `json:"namespace,omitempty"`
	TaskID    string `json:"taskID"`
	CgroupID  uint64 `json:"cgroupID"` // cgroup v2 inode number
	Pid       int    `json:"pid"`      // the container's init process
	CapMask   uint64 `json:"capMask"`
}

// Error is the body of every non-2xx answer.
type Error struct {
	Error string `json:"error"`
}

// MaxSpec bounds an OCI spec; a large real one is a few hundred KiB.
const MaxSpec = 8 << 20
