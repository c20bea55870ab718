package backend

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/moat-sh/moat/containerd/runtime"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/daemon/localapi/wire"
)

// PidFile is the pid file that Runtime adds, in the bundle, to a create
// that names none: moatd reads the container's pid from it.
const PidFile = "moat-init.pid"

// Runtime serves the runtime's two calls around runc create over an
// Admission (moatd's admission, with its drain and metrics). moatd does
// the wrapper's work itself, so that the program containerd's shim
// starts for create, moat-runc, is small C that starts no Go runtime:
// Create parses runc's command line, reads the bundle's spec strictly,
// asks Admission and writes the SELinux labels into the spec; Created,
// after runc create, reads the pid file and registers the container's
// cgroup. Every path in the command line is relative to the call's Dir.
type Runtime struct {
	Admission localapi.Backend
}

var _ localapi.Runtime = Runtime{}

// Create admits a runc create. Its errors are the message the runtime
// shows: "container c1 refused by moatd: ...".
func (r Runtime) Create(ctx context.Context, call wire.RuntimeCall) (wire.RuntimeAnswer, error) {
	inv, c, err := parseCreate(call)
	if err != nil {
		return wire.RuntimeAnswer{}, localapi.BadRequest(err)
	}
	ans := wire.RuntimeAnswer{ID: c.ID}
	if c.PidFile == "" {
		ans.Extra = []string{"--pid-file", filepath.Join(c.Bundle, PidFile)}
	}
	data, spec, err := runtime.LoadSpec(c.Bundle)
	if err != nil {
		return ans, localapi.Refused(fmt.Errorf("container %s refused: %w", c.ID, err))
	}
	resp, err := r.Admission.Admit(ctx, localapi.AdmitRequest{
		ContainerID: c.ID, Namespace: inv.Namespace(), Source: "runtime", Spec: spec})
	switch {
	case err != nil:
		return ans, fmt.Errorf("container %s refused: moatd could not decide: %w", c.ID, err)
	case !resp.Allowed:
		return ans, localapi.Refused(fmt.Errorf("container %s refused by moatd: %s", c.ID, resp.Reason))
	}
	labelled, changed, err := runtime.ApplyLabelsJSON(data, resp.ProcessLabel, resp.MountLabel)
	if err == nil && changed {
		err = runtime.WriteSpec(c.Bundle, labelled)
	}
	if err != nil {
		r.Admission.Unregister(ctx, inv.Namespace(), c.ID)
		return ans, fmt.Errorf("container %s refused: %w", c.ID, err)
	}
	return ans, nil
}

// Created registers the container that runc created: the call is
// create's command line as it ran, with Create's Extra.
func (r Runtime) Created(ctx context.Context, call wire.RuntimeCall) error {
	inv, c, err := parseCreate(call)
	if err != nil {
		return localapi.BadRequest(err)
	}
	if c.PidFile == "" {
		return localapi.BadRequest(fmt.Errorf("register %s: create ran without --pid-file", c.ID))
	}
	pid, err := runtime.ReadPid(c.PidFile)
	if err != nil {
		return fmt.Errorf("register %s: %w", c.ID, err)
	}
	cgroup, _, err := runtime.CgroupID(pid)
	if err != nil {
		return fmt.Errorf("register %s: %w", c.ID, err)
	}
	err = r.Admission.Register(ctx, localapi.Container{ID: c.ID, Namespace: inv.Namespace(), CgroupID: cgroup, Pid: pid})
	if err != nil {
		return fmt.Errorf("register %s: %w", c.ID, err)
	}
	return nil
}

// parseCreate reads a create command line, with its paths made absolute.
func parseCreate(call wire.RuntimeCall) (runtime.Invocation, runtime.CreateArgs, error) {
	inv, err := runtime.ParseInvocation(call.Args)
	if err != nil {
		return inv, runtime.CreateArgs{}, err
	}
	if inv.Verb != "create" {
		return inv, runtime.CreateArgs{}, fmt.Errorf("runtime call: verb %q, want create", inv.Verb)
	}
	c, err := runtime.ParseCreate(inv.Args)
	if err != nil {
		return inv, c, err
	}
	c.Bundle = abs(call.Dir, c.Bundle)
	if c.PidFile != "" {
		c.PidFile = abs(call.Dir, c.PidFile)
	}
	return inv, c, nil
}

func abs(dir, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(dir, path)
}
