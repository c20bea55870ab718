package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/moat-sh/moat/containerd/runtime/apiclient"
)

// API is the part of moatd's local API the wrapper uses; *apiclient.Client
// implements it.
type API interface {
	RuntimeCreate(ctx context.Context, call apiclient.RuntimeCall) (apiclient.RuntimeAnswer, error)
	RuntimeCreated(ctx context.Context, call apiclient.RuntimeCall) error
	Unregister(ctx context.Context, namespace, id string) error
}

// Wrapper runs one runc command line.
type Wrapper struct {
	Config
	API    API
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Exec replaces the process; nil means syscall.Exec.
	Exec func(path string, argv, env []string) error
}

// Main is the wrapper's main: it returns the exit code. Verbs other than
// create and delete never return when the exec succeeds.
func Main(args []string) int {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err == nil {
		err = CheckNotSelf(cfg.Runc)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "moat-runtime: %v\n", err)
		return 1
	}
	w := &Wrapper{Config: cfg, API: apiclient.New(cfg.Socket),
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	return w.Run(context.Background(), args)
}

// Run handles runc's arguments (without the program name).
func (w *Wrapper) Run(ctx context.Context, args []string) int {
	inv, err := ParseInvocation(args)
	if err != nil {
		return w.fail(inv, err)
	}
	switch inv.Verb {
	case "create":
		return w.create(ctx, inv)
	case "delete":
		w.unregister(ctx, inv)
	case "exec":
		if err := w.checkExec(ctx, inv); err != nil {
			return w.fail(inv, err)
		}
	case "run", "restore":
		return w.fail(inv, fmt.Errorf("runc %s %w: it creates a container without admission; containerd uses create and start", inv.Verb, ErrRefused))
	}
	return w.fail(inv, w.exec(args))
}

func (w *Wrapper) exec(args []string) error {
	run := w.Exec
	if run == nil {
		run = syscall.Exec
	}
	argv := append([]string{filepath.Base(w.Runc)}, args...)
	if err := run(w.Runc, argv, os.Environ()); err != nil {
		return fmt.Errorf("exec %s: %w", w.Runc, err)
	}
	return nil
}

// unregister tells moatd a container is going away. It never blocks the
// delete: the container may never have been registered.
func (w *Wrapper) unregister(ctx context.Context, inv Invocation) {
	id, err := DeleteID(inv.Args)
	if err != nil {
		return // runc will say what is wrong
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	if err := w.API.Unregister(ctx, inv.Namespace(), id); err != nil {
		w.logf(inv, "warning", "moat: unregister container %s: %v", id, err)
	}
}

// runRunc runs the real runc with the given arguments and our stdio and
// returns its exit code.
func (w *Wrapper) runRunc(ctx context.Context, args []string, extra int) (int, error) {
	cmd := exec.CommandContext(ctx, w.Runc, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = w.Stdin, w.Stdout, w.Stderr
	for i := range extra {
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(3+i), fmt.Sprintf("fd%d", 3+i)))
	}
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() < 0 { // killed by a signal
			return 1, fmt.Errorf("%s: %w", w.Runc, err)
		}
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 1, fmt.Errorf("run %s: %w", w.Runc, err)
	}
	return 0, nil
}
