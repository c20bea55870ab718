package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecArgs are the arguments of runc exec that the wrapper reads.
type ExecArgs struct {
	ID      string
	Process string   // --process: a JSON process spec
	Caps    []string // --cap
	Label   string   // --process-label
}

// exec's flags that take a value.
var execValueFlags = map[string]bool{
	"console-socket": true, "pidfd-socket": true, "cwd": true, "env": true, "e": true, "user": true, "u": true,
	"additional-gids": true, "g": true, "process": true, "p": true, "apparmor": true, "process-label": true,
	"cap": true, "c": true, "preserve-fds": true, "pid-file": true, "cgroup": true,
}

// ParseExec reads exec's arguments: flags, the container id, then the
// command, which is not read.
func ParseExec(args []string) (ExecArgs, error) {
	var x ExecArgs
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			x.ID = a
			return x, nil
		}
		name, value, hasValue := splitFlag(a)
		if execValueFlags[name] && !hasValue {
			if i+1 == len(args) {
				return x, fmt.Errorf("exec: flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		switch name {
		case "process", "p":
			x.Process = value
		case "cap", "c":
			x.Caps = append(x.Caps, value)
		case "process-label":
			x.Label = value
		}
	}
	return x, fmt.Errorf("exec: no container id in %q", args)
}

// checkExec refuses an exec that asks for a capability the container was
// not created with, or for another SELinux label: the container was
// admitted with its own, and an exec must not exceed them.
func (w *Wrapper) checkExec(ctx context.Context, inv Invocation) error {
	x, err := ParseExec(inv.Args)
	if err != nil {
		return err
	}
	container, err := w.containerSpec(ctx, inv, x.ID)
	if err != nil {
		return fmt.Errorf("exec in %s %w: %w", x.ID, ErrRefused, err)
	}
	process, err := readProcess(x.Process)
	if err != nil {
		return fmt.Errorf("exec in %s %w: %w", x.ID, ErrRefused, err)
	}
	return ExecWithin(x, process, container)
}

// ExecWithin checks an exec's process and flags against the container's
// spec: every capability in any of its five sets, or in --cap, must be in
// one of the container's sets, and its SELinux label must be the
// container's.
func ExecWithin(x ExecArgs, p *specs.Process, container *specs.Spec) error {
	have := capNames(container.Process)
	asked := append(capNames(p), x.Caps...)
	var extra []string
	for _, c := range asked {
		if !slices.Contains(have, canonicalCap(c)) && !slices.Contains(extra, canonicalCap(c)) {
			extra = append(extra, canonicalCap(c))
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("exec in %s %w: it asks for %s, which the container was not admitted with",
			x.ID, ErrRefused, strings.Join(extra, ", "))
	}
	label := x.Label
	if label == "" && p != nil {
		label = p.SelinuxLabel
	}
	if own := processLabel(container); label != "" && label != own {
		return fmt.Errorf("exec in %s %w: it asks for SELinux label %q, the container runs as %q", x.ID, ErrRefused, label, own)
	}
	return nil
}

func processLabel(s *specs.Spec) string {
	if s.Process == nil {
		return ""
	}
	return s.Process.SelinuxLabel
}

// capNames is the union of a process's five capability sets, canonical.
func capNames(p *specs.Process) []string {
	if p == nil || p.Capabilities == nil {
		return nil
	}
	c := p.Capabilities
	var out []string
	for _, set := range [][]string{c.Bounding, c.Effective, c.Inheritable, c.Permitted, c.Ambient} {
		for _, n := range set {
			out = append(out, canonicalCap(n))
		}
	}
	return out
}

// canonicalCap spells a capability as CAP_NET_ADMIN.
func canonicalCap(n string) string {
	n = strings.ToUpper(strings.TrimSpace(n))
	if !strings.HasPrefix(n, "CAP_") {
		n = "CAP_" + n
	}
	return n
}

// readProcess strictly decodes exec's --process file; none means the
// container's own process (nil).
func readProcess(path string) (*specs.Process, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read exec process: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var p specs.Process
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("malformed exec process %s: %w", path, err)
	}
	return &p, nil
}

// containerSpec reads the spec of a created container from its bundle,
// which runc state names.
func (w *Wrapper) containerSpec(ctx context.Context, inv Invocation, id string) (*specs.Spec, error) {
	args := slices.Concat(inv.Global, []string{"state", id})
	out, err := exec.CommandContext(ctx, w.Runc, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("runc state %s: %w", id, err)
	}
	var st struct {
		Bundle string `json:"bundle"`
	}
	if err := json.Unmarshal(out, &st); err != nil || st.Bundle == "" {
		return nil, fmt.Errorf("runc state %s names no bundle: %q", id, out)
	}
	return ReadSpec(st.Bundle)
}
