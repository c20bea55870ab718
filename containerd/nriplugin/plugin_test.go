package nriplugin

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/containerd/nri/pkg/api"
	"github.com/moat-sh/moat/daemon/localapi"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeAdmitter refuses specs that share the host network, like moatd
// under a provider without ALL, and records what it was asked.
type fakeAdmitter struct {
	err   error
	asked []localapi.AdmitRequest
}

func (f *fakeAdmitter) Admit(_ context.Context, r localapi.AdmitRequest) (localapi.AdmitResponse, error) {
	f.asked = append(f.asked, r)
	if f.err != nil {
		return localapi.AdmitResponse{}, f.err
	}
	for _, ns := range r.Spec.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			return localapi.AdmitResponse{Allowed: true, TaskID: r.Spec.Annotations[annotationSandboxID],
				ProcessLabel: "system_u:system_r:moat_task_t:s0:c1,c2", MountLabel: "system_u:object_r:moat_file_t:s0:c1,c2"}, nil
		}
	}
	return localapi.AdmitResponse{Reason: "shares the host's network namespace; set privilegedCapabilities to ALL"}, nil
}

func podContainer(namespaces ...string) (*api.PodSandbox, *api.Container) {
	pod := &api.PodSandbox{Id: "pod1", Name: "web"}
	c := &api.Container{Id: "c1", PodSandboxId: "pod1", Name: "app", Args: []string{"sh"},
		Linux: &api.LinuxContainer{SeccompProfile: &api.SecurityProfile{ProfileType: api.SecurityProfile_RUNTIME_DEFAULT}}}
	for _, ns := range namespaces {
		c.Linux.Namespaces = append(c.Linux.Namespaces, &api.LinuxNamespace{Type: ns})
	}
	return pod, c
}

func TestCreateContainer(t *testing.T) {
	tests := []struct {
		name       string
		namespaces []string
		err        error
		want       string // in the error; empty for allowed
	}{
		{"allowed", []string{"pid", "ipc", "mount", "network"}, nil, ""},
		{"refused", []string{"pid", "ipc", "mount"}, nil, "moat: container app (c1) refused by moatd: shares the host's network namespace; set privilegedCapabilities to ALL"},
		{"moatd down", []string{"network"}, errors.New("dial unix /run/moat/moatd.sock: connect: no such file or directory"),
			"refused: moatd could not decide: dial unix /run/moat/moatd.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAdmitter{err: tt.err}
			p := &Plugin{api: f, Namespace: "k8s.io", log: quiet()}
			pod, c := podContainer(tt.namespaces...)
			adj, upd, err := p.CreateContainer(context.Background(), pod, c)
			if tt.want == "" {
				if err != nil || adj.GetAnnotations()[AnnotationProcessLabel] == "" || upd != nil {
					t.Fatalf("adjustment %v, updates %v, err %v; want labels recorded", adj, upd, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.want) || adj != nil {
				t.Fatalf("err %v, adjustment %v; want %q", err, adj, tt.want)
			}
			if len(f.asked) != 1 || f.asked[0].Source != "nri" || f.asked[0].Namespace != "k8s.io" || f.asked[0].ContainerID != "c1" {
				t.Errorf("asked %+v", f.asked)
			}
		})
	}
}

func TestSpecOf(t *testing.T) {
	major := int64(1)
	tests := []struct {
		name  string
		edit  func(*api.Container)
		check func(*specs.Spec) bool
	}{
		{"task is the pod", nil, func(s *specs.Spec) bool {
			return s.Annotations[annotationSandboxID] == "pod1" && s.Annotations[annotationContainerType] == "container"
		}},
		{"namespaces", func(c *api.Container) {
			c.Linux.Namespaces = []*api.LinuxNamespace{{Type: "network", Path: "/proc/1/ns/net"}}
		}, func(s *specs.Spec) bool {
			return len(s.Linux.Namespaces) == 1 && s.Linux.Namespaces[0] == specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}
		}},
		{"mounts", func(c *api.Container) {
			c.Mounts = []*api.Mount{{Destination: "/host", Type: "bind", Source: "/", Options: []string{"rbind", "rw"}}}
		}, func(s *specs.Spec) bool {
			return len(s.Mounts) == 1 && s.Mounts[0].Source == "/" && s.Mounts[0].Options[1] == "rw"
		}},
		{"all devices", func(c *api.Container) {
			c.Linux.Resources = &api.LinuxResources{Devices: []*api.LinuxDeviceCgroup{{Allow: true, Access: "rwm", Major: &api.OptionalInt64{Value: major}}}}
			c.Linux.Devices = []*api.LinuxDevice{{Path: "/dev/sda", Type: "b", Major: 8}}
		}, func(s *specs.Spec) bool {
			r := s.Linux.Resources.Devices
			return len(r) == 1 && r[0].Allow && *r[0].Major == 1 && r[0].Minor == nil && s.Linux.Devices[0].Path == "/dev/sda"
		}},
		{"runtime default seccomp", nil, func(s *specs.Spec) bool {
			return s.Linux.Seccomp != nil && s.Linux.Seccomp.DefaultAction == specs.ActErrno
		}},
		{"unconfined seccomp", func(c *api.Container) {
			c.Linux.SeccompProfile.ProfileType = api.SecurityProfile_UNCONFINED
		}, func(s *specs.Spec) bool { return s.Linux.Seccomp == nil }},
		{"no seccomp profile", func(c *api.Container) { c.Linux.SeccompProfile = nil }, func(s *specs.Spec) bool { return s.Linux.Seccomp == nil }},
		{"sysctl and user", func(c *api.Container) {
			c.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
			c.User = &api.User{Uid: 1000, Gid: 1000}
		}, func(s *specs.Spec) bool {
			return s.Linux.Sysctl["net.ipv4.ip_forward"] == "1" && s.Process.User.UID == 1000
		}},
		{"no capabilities or label", nil, func(s *specs.Spec) bool { return s.Process.Capabilities == nil && s.Process.SelinuxLabel == "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod, c := podContainer()
			if tt.edit != nil {
				tt.edit(c)
			}
			if s := SpecOf(pod, c); !tt.check(s) {
				t.Errorf("spec %+v, linux %+v", s, s.Linux)
			}
		})
	}
}
