package vm

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// Config is one configuration of the kernel: Apply puts it in place and
// Revert takes it away, so configurations can alternate round by round.
type Config interface {
	Name() string
	Apply() error
	Revert() error
}

// None is the kernel with no BPF programs attached.
type None struct{}

func (None) Name() string  { return "none" }
func (None) Apply() error  { return nil }
func (None) Revert() error { return nil }

// hooks are LSM programs loaded once: Apply attaches them, Revert
// detaches them, so a turn costs an attach and never a load.
type hooks struct {
	progs map[string]*ebpf.Program
	links []link.Link
}

// Apply attaches every program.
func (h *hooks) Apply() error {
	for name, p := range h.progs {
		l, err := link.AttachLSM(link.LSMOptions{Program: p})
		if err != nil {
			return errors.Join(fmt.Errorf("attach %s: %w", name, err), h.Revert())
		}
		h.links = append(h.links, l)
	}
	return nil
}

// Revert detaches them.
func (h *hooks) Revert() error {
	var errs []error
	for _, l := range h.links {
		errs = append(errs, l.Close())
	}
	h.links = nil
	return errors.Join(errs...)
}

// Empty attaches empty programs to exactly the hooks moat uses.
type Empty struct {
	hooks
	coll *ebpf.Collection
}

// LoadEmpty loads the empty programs once; Apply attaches them.
func LoadEmpty() (*Empty, error) {
	spec, err := loadEmpty()
	if err != nil {
		return nil, fmt.Errorf("empty programs: %w", err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, fmt.Errorf("load empty programs: %w", err)
	}
	return &Empty{hooks: hooks{progs: coll.Programs}, coll: coll}, nil
}

func (e *Empty) Name() string { return "empty programs" }

// Close detaches and unloads.
func (e *Empty) Close() error {
	err := e.Revert()
	e.coll.Close()
	return err
}
