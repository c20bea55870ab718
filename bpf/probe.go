package bpf

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Probe is an attached program that refuses to open one file. Opening that
// file and getting EPERM proves that this kernel runs and obeys BPF LSM
// programs, which the LSM list alone does not.
type Probe struct {
	objs probeObjects
	link link.Link
}

// AttachProbe loads the probe for the file at path and attaches it.
func AttachProbe(path string) (*Probe, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	spec, err := loadProbe()
	if err != nil {
		return nil, fmt.Errorf("load probe spec: %w", err)
	}
	if err := spec.Variables["probe_dev"].Set(kernelDev(st.Dev)); err != nil {
		return nil, err
	}
	if err := spec.Variables["probe_ino"].Set(st.Ino); err != nil {
		return nil, err
	}
	p := &Probe{}
	if err := spec.LoadAndAssign(&p.objs, nil); err != nil {
		return nil, fmt.Errorf("load probe: %w", verifierDetail(err))
	}
	p.link, err = link.AttachLSM(link.LSMOptions{Program: p.objs.ProbeFileOpen})
	if err != nil {
		p.objs.Close()
		return nil, fmt.Errorf("attach probe to lsm/file_open: %w", err)
	}
	return p, nil
}

// Close detaches and unloads the probe.
func (p *Probe) Close() error {
	return errors.Join(p.link.Close(), p.objs.Close())
}

// kernelDev converts a user-space device number (stat's st_dev) to the
// kernel's internal dev_t, which programs read from super_block.s_dev.
func kernelDev(dev uint64) uint32 {
	return unix.Major(dev)<<20 | unix.Minor(dev)
}

// verifierDetail returns an error carrying the whole verifier log when the
// kernel refused a program, so that a load failure can be acted on.
func verifierDetail(err error) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return fmt.Errorf("%+v", ve)
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w (BPF LSM needs root and a kernel booted with bpf in lsm=)", err)
	}
	return err
}
