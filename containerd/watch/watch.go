package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"syscall"
	"time"

	apievents "github.com/containerd/containerd/api/events"
	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/events"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs"
	"github.com/containerd/typeurl/v2"
	"github.com/moat-sh/moat/containerd/placement"
)

// Unregisterer is told about gone containers; *localapi.Client implements it.
type Unregisterer interface {
	Unregister(ctx context.Context, namespace, id string) error
}

// TaskFunc names the task of a container from its id, spec annotations
// and containerd labels.
type TaskFunc func(id string, annotations, labels map[string]string) string

// Watcher follows containerd for moatd.
type Watcher struct {
	client *client.Client
	state  *placement.State
	api    Unregisterer
	taskOf TaskFunc
	log    *slog.Logger
	// Retry is the pause before resubscribing after the event stream broke.
	Retry time.Duration
	// KillUnregistered kills a task that starts without being registered:
	// it did not go through the runtime wrapper (a client that named its
	// own runc binary, another runtime type). New sets it.
	KillUnregistered bool
}

// New connects to containerd at address (its gRPC socket).
func New(address string, state *placement.State, api Unregisterer, taskOf TaskFunc, log *slog.Logger) (*Watcher, error) {
	c, err := client.New(address)
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w", address, err)
	}
	return &Watcher{client: c, state: state, api: api, taskOf: taskOf, log: log,
		Retry: time.Second, KillUnregistered: true}, nil
}

// Close closes the connection to containerd.
func (w *Watcher) Close() error { return w.client.Close() }

// The events that end a container's life, and the start of a task.
var filters = []string{`topic=="/tasks/exit"`, `topic=="/tasks/delete"`, `topic=="/containers/delete"`,
	`topic=="/tasks/start"`}

// Run subscribes to events, reconciles, and handles events until ctx
// ends; a broken stream is resubscribed (and reconciled) after Retry.
// It returns ctx's error.
func (w *Watcher) Run(ctx context.Context) error {
	for {
		err := w.follow(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.log.Warn("containerd events", "error", err.Error())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(w.Retry):
		}
	}
}

// follow subscribes first and reconciles second, so no exit between the
// two is missed.
func (w *Watcher) follow(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	envs, errs := w.client.Subscribe(ctx, filters...)
	if err := w.Reconcile(ctx); err != nil {
		return err
	}
	for {
		select {
		case env := <-envs:
			w.handle(ctx, env)
		case err := <-errs:
			if err == nil {
				err = errors.New("event stream closed")
			}
			return err
		}
	}
}

// handle unregisters the container an event ends, and checks a started
// task.
func (w *Watcher) handle(ctx context.Context, env *events.Envelope) {
	if id, ok := started(env); ok {
		w.checkStarted(ctx, env.Namespace, id)
		return
	}
	id, ok := gone(env)
	if !ok {
		return
	}
	if err := w.api.Unregister(ctx, env.Namespace, id); err != nil {
		w.log.Error("unregister exited container", "namespace", env.Namespace, "container", id, "error", err.Error())
		return
	}
	w.log.Info("container gone", "namespace", env.Namespace, "container", id, "topic", env.Topic)
}

// started returns the container whose task an event starts.
func started(env *events.Envelope) (string, bool) {
	if env == nil || env.Event == nil {
		return "", false
	}
	ev, err := typeurl.UnmarshalAny(env.Event)
	if err != nil {
		return "", false
	}
	if e, ok := ev.(*apievents.TaskStart); ok {
		return e.ContainerID, true
	}
	return "", false
}

// checkStarted kills a task that started without registration. The
// wrapper registers before runc create returns, so before containerd
// publishes the start.
func (w *Watcher) checkStarted(ctx context.Context, ns, id string) {
	if !w.KillUnregistered || w.state.Registered(placement.Key{Namespace: ns, ID: id}) {
		return
	}
	w.log.Error("task started without moat's runtime wrapper: killing it", "namespace", ns, "container", id)
	ctx = namespaces.WithNamespace(ctx, ns)
	c, err := w.client.LoadContainer(ctx, id)
	if err == nil {
		var t client.Task
		if t, err = c.Task(ctx, nil); err == nil {
			err = t.Kill(ctx, syscall.SIGKILL)
		}
	}
	if err != nil && !errdefs.IsNotFound(err) {
		w.log.Error("kill unregistered task", "namespace", ns, "container", id, "error", err.Error())
	}
}

// gone returns the container that an event ends: the exit of its init
// process, the delete of its task, or the delete of the container.
func gone(env *events.Envelope) (string, bool) {
	if env == nil || env.Event == nil {
		return "", false
	}
	ev, err := typeurl.UnmarshalAny(env.Event)
	if err != nil {
		return "", false
	}
	switch e := ev.(type) {
	case *apievents.TaskExit:
		return e.ContainerID, e.ID == e.ContainerID // an exec's exit is not the task's
	case *apievents.TaskDelete:
		return e.ContainerID, e.ID == "" || e.ID == e.ContainerID
	case *apievents.ContainerDelete:
		return e.ID, true
	}
	return "", false
}

// Reconcile replaces the placement state with containerd's live
// containers in every namespace.
func (w *Watcher) Reconcile(ctx context.Context) error {
	nss, err := w.client.NamespaceService().List(ctx)
	if err != nil {
		return fmt.Errorf("list containerd namespaces: %w", err)
	}
	live := map[placement.Key]string{}
	for _, ns := range nss {
		if err := w.liveIn(namespaces.WithNamespace(ctx, ns), ns, live); err != nil {
			return err
		}
	}
	w.state.Replace(live)
	w.log.Info("placement reconciled", "containers", len(live))
	return nil
}

func (w *Watcher) liveIn(ctx context.Context, ns string, live map[placement.Key]string) error {
	cs, err := w.client.Containers(ctx)
	if err != nil {
		return fmt.Errorf("list containers in namespace %s: %w", ns, err)
	}
	for _, c := range cs {
		task, ok, err := w.liveTask(ctx, c)
		if err != nil {
			return fmt.Errorf("container %s/%s: %w", ns, c.ID(), err)
		}
		if ok {
			live[placement.Key{Namespace: ns, ID: c.ID()}] = task
		}
	}
	return nil
}

// liveTask returns the task of a container whose task is alive.
func (w *Watcher) liveTask(ctx context.Context, c client.Container) (string, bool, error) {
	t, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	st, err := t.Status(ctx)
	if errdefs.IsNotFound(err) || err == nil && st.Status == client.Stopped {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return "", false, err
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		return "", false, err
	}
	return w.taskOf(c.ID(), spec.Annotations, info.Labels), true, nil
}

// Labels returns a container's containerd labels; a container containerd
// does not know has none.
func (w *Watcher) Labels(ctx context.Context, namespace, id string) (map[string]string, error) {
	ctx = namespaces.WithNamespace(ctx, namespace)
	c, err := w.client.ContainerService().Get(ctx, id) // one round trip, not LoadContainer's two
	if errdefs.IsNotFound(err) {
		return nil, nil
	}
	return c.Labels, err
}
