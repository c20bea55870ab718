package policy

// TaskSource says where a task identity came from.
type TaskSource string

// The sources, in the order IdentifyTask tries them.
const (
	TaskFromCRI       TaskSource = "cri"       // the CRI pod sandbox id
	TaskFromLabel     TaskSource = "label"     // the configured label or annotation
	TaskFromContainer TaskSource = "container" // the container's own id
)

// Task is the task a container belongs to: every container of one task
// shares its SELinux categories and counts as one task for placement.
type Task struct {
	ID     string     `json:"id"`
	Source TaskSource `json:"source"`
	// Sandbox is true for a CRI pod sandbox (pause) container; it counts as
	// its task's container like any other.
	Sandbox bool `json:"sandbox,omitempty"`
}

// The annotations CRI runtimes put in a container's OCI spec.
const (
	AnnotationCRISandboxID      = "io.kubernetes.cri.sandbox-id"
	AnnotationCRIContainerType  = "io.kubernetes.cri.container-type"
	AnnotationCRIOSandboxID     = "io.kubernetes.cri-o.SandboxID"
	AnnotationCRIOContainerType = "io.kubernetes.cri-o.ContainerType"
	CRIContainerTypeSandbox     = "sandbox"
)

// IdentifyTask derives the task of a container: for a CRI container the pod
// sandbox id from its spec annotations (containerd's or CRI-O's keys);
// otherwise the value of taskKey looked up in the spec annotations, then in
// the client's labels (containerd container labels, such as the task ARN an
// ECS-style agent sets); otherwise the container id. An empty taskKey skips
// the second step.
func IdentifyTask(containerID string, annotations, labels map[string]string, taskKey string) Task {
	if t, ok := criTask(containerID, annotations); ok {
		return t
	}
	if taskKey != "" {
		for _, m := range []map[string]string{annotations, labels} {
			if v := m[taskKey]; v != "" {
				return Task{ID: v, Source: TaskFromLabel}
			}
		}
	}
	return Task{ID: containerID, Source: TaskFromContainer}
}

func criTask(containerID string, a map[string]string) (Task, bool) {
	for _, k := range [][2]string{
		{AnnotationCRISandboxID, AnnotationCRIContainerType},
		{AnnotationCRIOSandboxID, AnnotationCRIOContainerType},
	} {
		id, typ := a[k[0]], a[k[1]]
		sandbox := typ == CRIContainerTypeSandbox
		if id == "" && sandbox {
			id = containerID // a sandbox is its own task
		}
		if id != "" {
			return Task{ID: id, Source: TaskFromCRI, Sandbox: sandbox}, true
		}
	}
	return Task{}, false
}
