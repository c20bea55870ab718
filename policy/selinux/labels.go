package selinux

import (
	"fmt"

	goselinux "github.com/opencontainers/selinux/go-selinux"
)

// The policy's names a label is made of.
const (
	User           = "system_u"
	ProcessRole    = "system_r"
	ObjectRole     = "object_r"
	TaskType       = "moat_task_t"
	PrivilegedType = "moat_task_priv_t"
	TaskFileType   = "moat_task_file_t"
	RuntimeType    = "moat_runtime_t"
	DaemonType     = "moatd_t"
	HostType       = "moat_host_t"
	TrustedLevel   = "s0-s0:c0.c1023"
)

// TaskLabels are the labels the runtime writes into each container's
// OCI spec: process.selinuxLabel and linux.mountLabel.
type TaskLabels struct {
	Process string
	Mount   string
}

// Labels returns the labels of a task that holds a pair: its processes
// run in moat_task_t, or moat_task_priv_t when privileged (the capacity
// provider opted the task in to privileged capabilities), and its files
// are moat_task_file_t, all at the task's pair.
func (a *Allocator) Labels(taskID string, privileged bool) (TaskLabels, error) {
	p, ok := a.Pair(taskID)
	if !ok {
		return TaskLabels{}, fmt.Errorf("labels of task %s: no mcs pair reserved (call Reserve first)", taskID)
	}
	return LabelsFor(p, privileged), nil
}

// LabelsFor returns the labels for a pair.
func LabelsFor(p Pair, privileged bool) TaskLabels {
	domain := TaskType
	if privileged {
		domain = PrivilegedType
	}
	return TaskLabels{
		Process: label(User, ProcessRole, domain, p.Level()),
		Mount:   label(User, ObjectRole, TaskFileType, p.Level()),
	}
}

func label(user, role, typ, level string) string {
	ctx, _ := goselinux.NewContext("")
	ctx["user"], ctx["role"], ctx["type"], ctx["level"] = user, role, typ, level
	return ctx.Get()
}
