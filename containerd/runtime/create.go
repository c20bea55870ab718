package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/moat-sh/moat/containerd/runtime/apiclient"
)

// ErrRefused marks a container that moatd did not explicitly allow.
var ErrRefused = errors.New("refused")

// create admits, creates and registers one container.
func (w *Wrapper) create(ctx context.Context, inv Invocation) int {
	c, err := ParseCreate(inv.Args)
	if err != nil {
		return w.fail(inv, err)
	}
	resp, err := w.admit(ctx, inv, c)
	if err != nil {
		return w.fail(inv, err)
	}
	args, pidFile, cleanup, err := withPidFile(inv, c)
	if err != nil {
		return w.fail(inv, err)
	}
	defer cleanup()
	code, err := w.runRunc(ctx, args, c.PreserveFDs)
	if err != nil || code != 0 {
		return w.fail(inv, err, code) // runc logged its own reason
	}
	if err := w.register(ctx, inv, c, pidFile, resp); err != nil {
		w.forceDelete(inv, c.ID)
		return w.fail(inv, fmt.Errorf("container %s deleted: %w", c.ID, err))
	}
	return 0
}

// admit reads the spec, asks moatd (which decodes it strictly) and
// writes the labels into the spec.
func (w *Wrapper) admit(ctx context.Context, inv Invocation, c CreateArgs) (apiclient.AdmitResponse, error) {
	spec, err := ReadRawSpec(c.Bundle)
	if err != nil {
		return apiclient.AdmitResponse{}, fmt.Errorf("container %s %w: %w", c.ID, ErrRefused, err)
	}
	resp, err := w.ask(ctx, inv, c.ID, spec)
	if err != nil {
		return resp, err
	}
	labelled, changed, err := ApplyLabelsJSON(spec, resp.ProcessLabel, resp.MountLabel)
	if err == nil && changed {
		err = WriteSpec(c.Bundle, labelled)
	}
	if err != nil {
		return resp, fmt.Errorf("container %s %w: %w", c.ID, ErrRefused, err)
	}
	return resp, nil
}

func (w *Wrapper) ask(ctx context.Context, inv Invocation, id string, spec []byte) (apiclient.AdmitResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	resp, err := w.API.Admit(ctx, apiclient.AdmitRawRequest{
		ContainerID: id, Namespace: inv.Namespace(), Source: "runtime", Spec: spec,
	})
	switch {
	case err != nil:
		return resp, fmt.Errorf("container %s %w: moatd could not decide: %w", id, ErrRefused, err)
	case !resp.Allowed:
		return resp, fmt.Errorf("container %s %w by moatd: %s", id, ErrRefused, resp.Reason)
	}
	return resp, nil
}

// withPidFile returns create's full runc arguments, adding a --pid-file
// of our own when containerd gave none.
func withPidFile(inv Invocation, c CreateArgs) ([]string, string, func(), error) {
	args := slices.Concat(inv.Global, []string{"create"}, inv.Args)
	if c.PidFile != "" {
		return args, c.PidFile, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "moat-runtime-")
	if err != nil {
		return nil, "", nil, fmt.Errorf("pid file: %w", err)
	}
	pidFile := filepath.Join(dir, "pid")
	args = slices.Concat(inv.Global, []string{"create", "--pid-file", pidFile}, inv.Args)
	return args, pidFile, func() { os.RemoveAll(dir) }, nil
}

// register finds the container's cgroup and registers it with moatd.
func (w *Wrapper) register(ctx context.Context, inv Invocation, c CreateArgs, pidFile string, resp apiclient.AdmitResponse) error {
	pid, err := readPid(pidFile)
	if err != nil {
		return err
	}
	cgid, _, err := CgroupID(pid)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	err = w.API.Register(ctx, apiclient.Container{
		ID: c.ID, Namespace: inv.Namespace(), TaskID: resp.TaskID,
		CgroupID: cgid, Pid: pid, CapMask: resp.CapMask,
	})
	if err != nil {
		return fmt.Errorf("register with moatd: %w", err)
	}
	return nil
}

// forceDelete removes a created container that could not be registered.
func (w *Wrapper) forceDelete(inv Invocation, id string) {
	args := slices.Concat(inv.Global, []string{"delete", "--force", id})
	if code, err := w.runRunc(context.Background(), args, 0); err != nil || code != 0 {
		w.logf(inv, "error", "moat: delete unregistered container %s: exit %d: %v", id, code, err)
	}
}
