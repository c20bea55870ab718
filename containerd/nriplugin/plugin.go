package nriplugin

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/containerd/nri/pkg/api"
	"github.com/containerd/nri/pkg/stub"
	"github.com/moat-sh/moat/daemon/localapi"
)

// Name and Index identify the plugin to NRI: required_plugins names it
// by Name, and it runs early (low index) among plugins.
const (
	Name  = "moat"
	Index = "05"
)

// The annotations the plugin adds to an admitted container, for the
// record: the labels moatd chose for its task.
const (
	AnnotationProcessLabel = "moat.sh/selinux-process-label"
	AnnotationMountLabel   = "moat.sh/selinux-mount-label"
)

// Admitter asks moatd; *localapi.Client implements it.
type Admitter interface {
	Admit(ctx context.Context, req localapi.AdmitRequest) (localapi.AdmitResponse, error)
}

// Plugin is the NRI plugin. Namespace is the containerd namespace of CRI
// containers ("k8s.io"), sent to moatd with each request.
type Plugin struct {
	stub      stub.Stub
	api       Admitter
	Namespace string
	log       *slog.Logger
}

var (
	_ stub.ConfigureInterface       = (*Plugin)(nil)
	_ stub.CreateContainerInterface = (*Plugin)(nil)
)

// New returns a plugin asking a, connected to NRI by opts (stub options
// such as stub.WithSocketPath). Name and index default to Name and Index
// unless containerd launched the plugin and set them.
func New(a Admitter, log *slog.Logger, opts ...stub.Option) (*Plugin, error) {
	p := &Plugin{api: a, Namespace: "k8s.io", log: log}
	opts = append([]stub.Option{stub.WithPluginName(Name), stub.WithPluginIdx(Index)}, opts...)
	s, err := stub.New(p, opts...)
	if err != nil {
		return nil, fmt.Errorf("create NRI stub: %w", err)
	}
	p.stub = s
	return p, nil
}

// Run serves NRI until ctx ends or the runtime goes away.
func (p *Plugin) Run(ctx context.Context) error {
	return p.stub.Run(ctx)
}

// Stop disconnects from the runtime.
func (p *Plugin) Stop() { p.stub.Stop() }

// Configure subscribes to container creation only.
func (p *Plugin) Configure(_ context.Context, _, runtime, version string) (api.EventMask, error) {
	p.log.Info("nri configured", "runtime", runtime, "version", version)
	return api.MustParseEventMask("CreateContainer"), nil
}

// CreateContainer asks moatd and refuses what it does not explicitly allow.
func (p *Plugin) CreateContainer(ctx context.Context, pod *api.PodSandbox, c *api.Container) (*api.ContainerAdjustment, []*api.ContainerUpdate, error) {
	resp, err := p.api.Admit(ctx, localapi.AdmitRequest{
		ContainerID: c.GetId(), Namespace: p.Namespace, Source: "nri", Spec: SpecOf(pod, c),
	})
	if err := Refusal(c, resp, err); err != nil {
		p.log.Info("container refused", "container", c.GetId(), "pod", pod.GetName(), "reason", err)
		return nil, nil, err
	}
	return Adjustment(resp), nil, nil
}

// Refusal is the error for a container that moatd did not explicitly
// allow, nil for an allowed one.
func Refusal(c *api.Container, resp localapi.AdmitResponse, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("moat: container %s (%s) refused: moatd could not decide: %w", c.GetName(), c.GetId(), err)
	case !resp.Allowed:
		return fmt.Errorf("moat: container %s (%s) refused by moatd: %s", c.GetName(), c.GetId(), resp.Reason)
	}
	return nil
}

// Adjustment records the task's labels on an admitted container.
func Adjustment(resp localapi.AdmitResponse) *api.ContainerAdjustment {
	adj := &api.ContainerAdjustment{}
	if resp.ProcessLabel != "" {
		adj.AddAnnotation(AnnotationProcessLabel, resp.ProcessLabel)
	}
	if resp.MountLabel != "" {
		adj.AddAnnotation(AnnotationMountLabel, resp.MountLabel)
	}
	return adj
}
