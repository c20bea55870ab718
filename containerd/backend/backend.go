package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/policy"
)

// Gate is where registered containers go: the BPF capability gate.
type Gate interface {
	Register(ctx context.Context, c localapi.Container) error
	Unregister(ctx context.Context, namespace, id string) error
}

// Backend serves the local API. Settings and State are required.
type Backend struct {
	Settings *policy.Settings
	State    *placement.State
	// TaskKey is the annotation (or, for the watcher, container label)
	// that names the task of a non-CRI container; empty to use the
	// container id.
	TaskKey string
	Host    *policy.Host // nil: policy.DefaultHost
	// Labels returns a task's SELinux labels; nil means none.
	Labels func(task string) (policy.SELinuxLabels, error)
	Gate   Gate // nil: registration is bookkeeping only
	// ContainerLabels returns a container's containerd labels, where a
	// client such as an ECS-style agent may name the task under TaskKey
	// (the wrapper sees only the OCI spec); nil means annotations only.
	// watch.Watcher.Labels implements it. A container containerd does not
	// know has no labels; any other error fails the admission.
	ContainerLabels func(ctx context.Context, namespace, id string) (map[string]string, error)
	Log             *slog.Logger
}

var _ localapi.Backend = (*Backend)(nil)

// TaskOf is the task of a container (for the watcher's Reconcile too).
func (b *Backend) TaskOf(id string, annotations, labels map[string]string) string {
	return policy.IdentifyTask(id, annotations, labels, b.TaskKey).ID
}

// Admit decides on one container.
func (b *Backend) Admit(ctx context.Context, req localapi.AdmitRequest) (localapi.AdmitResponse, error) {
	task, err := b.identify(ctx, req)
	if err != nil {
		return localapi.AdmitResponse{}, err
	}
	labels, err := b.labels(task.ID)
	if err != nil {
		return localapi.AdmitResponse{}, err
	}
	var d policy.Decision
	b.State.Admit(placement.Key{Namespace: req.Namespace, ID: req.ContainerID}, task.ID, func(live map[string]int) (bool, uint64) {
		d = policy.Admit(b.Settings, policy.Request{ContainerID: req.ContainerID, Spec: req.Spec,
			Task: task, Labels: labels, Live: live, Host: b.Host})
		return d.Allowed, uint64(d.Adjustments.PrivilegedCaps)
	})
	b.log().Info("admission", "container", req.ContainerID, "namespace", req.Namespace, "source", req.Source,
		"task", task.ID, "allowed", d.Allowed, "reason", d.Reason)
	if !d.Allowed {
		return localapi.AdmitResponse{Reason: d.Reason, TaskID: task.ID}, nil
	}
	return localapi.AdmitResponse{Allowed: true, TaskID: task.ID,
		ProcessLabel: d.Adjustments.ProcessLabel, MountLabel: d.Adjustments.MountLabel,
		CapMask: uint64(d.Adjustments.PrivilegedCaps)}, nil
}

// identify is the container's task. containerd is asked for the
// container's labels only when the spec does not name the task (a CRI
// pod's annotations or TaskKey's) and they could: the call is a round
// trip to containerd on every create.
func (b *Backend) identify(ctx context.Context, req localapi.AdmitRequest) (policy.Task, error) {
	task := policy.IdentifyTask(req.ContainerID, req.Spec.Annotations, nil, b.TaskKey)
	if task.Source != policy.TaskFromContainer || b.ContainerLabels == nil || b.TaskKey == "" || req.Namespace == "" {
		return task, nil
	}
	l, err := b.ContainerLabels(ctx, req.Namespace, req.ContainerID)
	if err != nil {
		return task, fmt.Errorf("labels of container %s/%s: %w", req.Namespace, req.ContainerID, err)
	}
	return policy.IdentifyTask(req.ContainerID, req.Spec.Annotations, l, b.TaskKey), nil
}

func (b *Backend) labels(task string) (policy.SELinuxLabels, error) {
	if b.Labels == nil {
		return policy.SELinuxLabels{}, nil
	}
	l, err := b.Labels(task)
	if err != nil {
		return l, fmt.Errorf("selinux labels of task %s: %w", task, err)
	}
	return l, nil
}

// ErrNotAdmitted is a registration of a container moatd did not admit.
var ErrNotAdmitted = errors.New("container was not admitted")

// Register records a created container and registers it with the gate,
// with the task and capability mask that admission gave it, whatever the
// request says (a request that names no task says nothing).
func (b *Backend) Register(ctx context.Context, c localapi.Container) error {
	k := placement.Key{Namespace: c.Namespace, ID: c.ID}
	task, mask, ok := b.State.Confirm(k)
	if !ok {
		return localapi.BadRequest(fmt.Errorf("register %s/%s: %w", c.Namespace, c.ID, ErrNotAdmitted))
	}
	if c.TaskID != "" && (c.TaskID != task || c.CapMask != mask) {
		b.log().Warn("registration differs from admission; using admission's", "container", c.ID,
			"task", c.TaskID, "admittedTask", task, "capMask", c.CapMask, "admittedCapMask", mask)
	}
	c.TaskID, c.CapMask = task, mask
	if b.Gate != nil {
		if err := b.Gate.Register(ctx, c); err != nil {
			b.State.Remove(k)
			return fmt.Errorf("register %s/%s in the gate: %w", c.Namespace, c.ID, err)
		}
	}
	b.log().Info("registered", "container", c.ID, "namespace", c.Namespace, "task", c.TaskID,
		"cgroup", c.CgroupID, "capMask", c.CapMask)
	return nil
}

// Unregister forgets a container; an unknown one is not an error.
func (b *Backend) Unregister(ctx context.Context, namespace, id string) error {
	known := b.State.Remove(placement.Key{Namespace: namespace, ID: id})
	if known {
		b.log().Info("unregistered", "container", id, "namespace", namespace)
	}
	if b.Gate == nil {
		return nil
	}
	return b.Gate.Unregister(ctx, namespace, id)
}

func (b *Backend) log() *slog.Logger {
	if b.Log == nil {
		return slog.Default()
	}
	return b.Log
}
