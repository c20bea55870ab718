// Command specgen writes the OCI specs under ../specs as containerd's own
// spec code generates them for ctr run (default, --seccomp, --cap-add,
// --privileged, --net-host), so that admission is tested on real specs. It
// is a module of its own, to keep containerd out of moat's go.mod. Run it
// from this folder: go run . ../specs
//
// The privileged spec takes its capabilities from the process that runs
// this, as containerd does: where a capability is missing from the bounding
// set (as CAP_SYS_RESOURCE is on the machine that generated the committed
// files), the privileged spec lacks it too.
package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/containerd/containerd/v2/contrib/seccomp"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func main() {
	out := os.Args[1]
	ctx := namespaces.WithNamespace(context.Background(), "default")
	gen := func(name string, opts ...oci.SpecOpts) {
		c := &containers.Container{ID: "ctr-1"}
		s, err := oci.GenerateSpec(ctx, nil, c, append([]oci.SpecOpts{oci.WithProcessArgs("/bin/sh")}, opts...)...)
		if err != nil {
			panic(err)
		}
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(filepath.Join(out, name+".json"), append(b, '\n'), 0o644); err != nil {
			panic(err)
		}
	}
	gen("ctr-run")
	gen("ctr-run-seccomp", seccomp.WithDefaultProfile())
	gen("ctr-run-seccomp-net-admin", seccomp.WithDefaultProfile(), oci.WithAddedCapabilities([]string{"CAP_NET_ADMIN"}))
	gen("ctr-run-privileged", oci.WithPrivileged, oci.WithAllDevicesAllowed, seccomp.WithDefaultProfile())
	gen("ctr-run-host-net", seccomp.WithDefaultProfile(), oci.WithHostNamespace(specs.NetworkNamespace))
}
