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

// Empty attaches empty programs to exactly the hooks moat uses.
type Empty struct {
	coll  *ebpf.Collection
	links []link.Link
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
	return &Empty{coll: coll}, nil
}

func (e *Empty) Name() string { return "empty programs" }

// Apply attaches every empty program.
func (e *Empty) Apply() error {
	for name, p := range e.coll.Programs {
		l, err := link.AttachLSM(link.LSMOptions{Program: p})
		if err != nil {
			return errors.Join(fmt.Errorf("attach %s: %w", name, err), e.Revert())
		}
		e.links = append(e.links, l)
	}
	return nil
}

// Revert detaches them.
func (e *Empty) Revert() error {
	var errs []error
	for _, l := range e.links {
		errs = append(errs, l.Close())
	}
	e.links = nil
	return errors.Join(errs...)
}

// Close detaches and unloads.
func (e *Empty) Close() error {
	err := e.Revert()
	e.coll.Close()
	return err
}
