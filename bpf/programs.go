package bpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// Program is one attached program, as the attestation reports it.
type Program struct {
	ID   uint32
	Tag  string
	Name string
}

// Programs lists the programs behind the pinned links, sorted by name.
func (e *Enforcer) Programs() ([]Program, error) {
	entries, err := os.ReadDir(e.cfg.linkDir())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", e.cfg.linkDir(), err)
	}
	var out []Program
	var errs []error
	for _, ent := range entries {
		p, err := pinnedProgram(filepath.Join(e.cfg.linkDir(), ent.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errors.Join(errs...)
}

func pinnedProgram(path string) (Program, error) {
	l, err := link.LoadPinnedLink(path, nil)
	if err != nil {
		return Program{}, fmt.Errorf("open link %s: %w", path, err)
	}
	defer l.Close()
	li, err := l.Info()
	if err != nil {
		return Program{}, fmt.Errorf("link %s: %w", path, err)
	}
	prog, err := ebpf.NewProgramFromID(li.Program)
	if err != nil {
		return Program{}, fmt.Errorf("program %d of %s: %w", li.Program, path, err)
	}
	defer prog.Close()
	pi, err := prog.Info()
	if err != nil {
		return Program{}, err
	}
	return Program{ID: uint32(li.Program), Tag: pi.Tag, Name: pi.Name}, nil
}
