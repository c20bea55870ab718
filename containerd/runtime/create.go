package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/moat-sh/moat/containerd/runtime/apiclient"
)

// ErrRefused marks a container that moatd did not explicitly allow.
var ErrRefused = errors.New("refused")

// create asks moatd to admit the container (moatd reads and labels the
// spec), runs runc create, then asks moatd to register it. moat-runc
// does the same for the command lines whose verb it can tell.
func (w *Wrapper) create(ctx context.Context, inv Invocation) int {
	c, err := ParseCreate(inv.Args)
	if err != nil {
		return w.fail(inv, err)
	}
	dir, err := os.Getwd()
	if err != nil {
		return w.fail(inv, fmt.Errorf("container %s %w: working directory: %w", c.ID, ErrRefused, err))
	}
	call := apiclient.RuntimeCall{Dir: dir, Args: slices.Concat(inv.Global, []string{"create"}, inv.Args)}
	ans, err := w.runtimeCreate(ctx, call)
	if err != nil {
		if _, ok := errors.AsType[*apiclient.NoAnswerError](err); ok {
			err = fmt.Errorf("container %s %w: moatd could not decide: %w", c.ID, ErrRefused, err)
		}
		return w.fail(inv, err)
	}
	call.Args = slices.Concat(inv.Global, []string{"create"}, ans.Extra, inv.Args)
	code, err := w.runRunc(ctx, call.Args, c.PreserveFDs)
	if err != nil || code != 0 {
		return w.fail(inv, err, code) // runc logged its own reason
	}
	if err := w.runtimeCreated(ctx, call); err != nil {
		w.forceDelete(inv, ans.ID)
		return w.fail(inv, fmt.Errorf("container %s deleted: %w", ans.ID, err))
	}
	return 0
}

func (w *Wrapper) runtimeCreate(ctx context.Context, call apiclient.RuntimeCall) (apiclient.RuntimeAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	return w.API.RuntimeCreate(ctx, call)
}

func (w *Wrapper) runtimeCreated(ctx context.Context, call apiclient.RuntimeCall) error {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	return w.API.RuntimeCreated(ctx, call)
}

// forceDelete removes a created container that could not be registered.
func (w *Wrapper) forceDelete(inv Invocation, id string) {
	args := slices.Concat(inv.Global, []string{"delete", "--force", id})
	if code, err := w.runRunc(context.Background(), args, 0); err != nil || code != 0 {
		w.logf(inv, "error", "moat: delete unregistered container %s: exit %d: %v", id, code, err)
	}
}
