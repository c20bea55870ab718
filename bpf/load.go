package bpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// ErrNoBPFLSM means the kernel cannot run BPF LSM programs.
var ErrNoBPFLSM = errors.New("kernel cannot run BPF LSM programs")

// ErrOtherDaemon means the pinned maps belong to a daemon that still
// runs: under self-protection only it, or a process running the same
// executable once it is gone, may adopt them.
var ErrOtherDaemon = errors.New("moat's pins belong to another running daemon")

// Enforcer holds moat's loaded maps and attached links. Its links are
// pinned, so enforcement outlives it: Close releases the process's hold
// and the rules stay; Remove takes them away.
type Enforcer struct {
	cfg  Config
	maps moatMaps
}

// Layout of the pin folder (Config.PinDir, /sys/fs/bpf/moat by default).
func (c Config) linkDir() string { return filepath.Join(c.PinDir, "links") }
func (c Config) mapDir() string  { return filepath.Join(c.PinDir, "maps") }

// Load loads moat's programs, reusing maps pinned by an earlier daemon,
// registers the calling process as the daemon, fills the maps from cfg,
// attaches every program of a family that is not off and pins its link
// over the old one. The old links are only released once the new ones
// are attached, so there is never a moment without enforcement.
func Load(cfg Config) (*Enforcer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bpf config: %w", err)
	}
	cfg = cfg.withDefaults()
	if err := cfg.checkPaths(); err != nil {
		return nil, fmt.Errorf("bpf config: %w", err)
	}
	if err := checkKernel(); err != nil {
		return nil, err
	}
	spec, err := newSpec(cfg)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{cfg.linkDir(), cfg.mapDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("pin folder: %w", err)
		}
	}
	opts := ebpf.CollectionOptions{Maps: ebpf.MapOptions{PinPath: cfg.mapDir()}}
	coll, err := ebpf.NewCollectionWithOptions(spec, opts)
	if err != nil && errors.Is(err, os.ErrPermission) && pinned(cfg.mapDir()) {
		return nil, fmt.Errorf("%w: %w", ErrOtherDaemon, err)
	}
	if err != nil {
		return nil, fmt.Errorf("load moat programs: %w", verifierDetail(err))
	}
	defer coll.Close()
	e := &Enforcer{cfg: cfg}
	if err := coll.Assign(&e.maps); err != nil {
		return nil, err
	}
	if err := e.setup(coll.Programs); err != nil {
		e.maps.Close()
		return nil, err
	}
	return e, nil
}

func (e *Enforcer) setup(progs map[string]*ebpf.Program) error {
	if err := e.claim(); err != nil {
		return err
	}
	if err := e.sync(); err != nil {
		return err
	}
	return e.attach(progs)
}

func pinned(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}

// checkKernel tells a kernel without BPF LSM from a failed load.
func checkKernel() error {
	if err := features.HaveProgramType(ebpf.LSM); err != nil {
		return fmt.Errorf("%w: %w", ErrNoBPFLSM, err)
	}
	b, err := os.ReadFile("/sys/kernel/security/lsm")
	if err != nil {
		return fmt.Errorf("%w: read active LSMs: %w (mount securityfs)", ErrNoBPFLSM, err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), ",") {
		if l == "bpf" {
			return nil
		}
	}
	return fmt.Errorf("%w: active LSMs are %q: boot with bpf in lsm=", ErrNoBPFLSM, strings.TrimSpace(string(b)))
}

// newSpec sets the load-time globals.
func newSpec(cfg Config) (*ebpf.CollectionSpec, error) {
	spec, err := loadMoat()
	if err != nil {
		return nil, err
	}
	mntns, err := mountNamespace()
	if err != nil {
		return nil, err
	}
	set := map[string]any{
		moatVarModeRoot: moatMode(cfg.Root), moatVarModeExec: moatMode(cfg.Exec),
		moatVarModeCaps: moatMode(cfg.Caps), moatVarModeTamper: moatMode(cfg.Tamper),
		moatVarHostMntns: mntns, moatVarDefaultCaps: cfg.DefaultCaps, moatVarRatePerSec: cfg.RatePerSec,
		moatVarHostSubtrees: len(cfg.HostCgroups) > 0,
	}
	for name, v := range set {
		if err := spec.Variables[name].Set(v); err != nil {
			return nil, fmt.Errorf("set %s: %w", name, err)
		}
	}
	for name := range spec.Programs {
		if !cfg.wanted(name) {
			delete(spec.Programs, name) // families that are off cost nothing
		}
	}
	return spec, nil
}

// claim registers the calling process as the daemon, with its executable,
// which may re-register once this process is gone.
func (e *Enforcer) claim() error {
	exe, err := inodeOf("/proc/self/exe")
	if err != nil {
		return err
	}
	d := moatDaemon{Tgid: uint32(os.Getpid()), ExeDev: exe.Dev, ExeIno: exe.Ino}
	if err := e.maps.MoatDaemon.Put(uint32(0), d); err != nil {
		return fmt.Errorf("register daemon: %w", err)
	}
	return nil
}

// HandOver names the executable that may adopt the pins once this
// daemon is gone (an upgrade installs a new binary, a new inode), in
// place of this process's own.
func (e *Enforcer) HandOver(exe string) error {
	k, err := inodeOf(exe)
	if err != nil {
		return fmt.Errorf("hand over: %w", err)
	}
	d := moatDaemon{Tgid: uint32(os.Getpid()), ExeDev: k.Dev, ExeIno: k.Ino}
	if err := e.maps.MoatDaemon.Put(uint32(0), d); err != nil {
		return fmt.Errorf("hand over to %s: %w", exe, err)
	}
	return nil
}

// attach attaches the wanted programs, pins each link over its old pin,
// and removes the pins of programs no longer wanted.
func (e *Enforcer) attach(progs map[string]*ebpf.Program) error {
	for name := range programFamilies {
		pin := filepath.Join(e.cfg.linkDir(), name)
		p := progs[name]
		if p == nil {
			if err := os.Remove(pin); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("unpin %s: %w", name, err)
			}
			continue
		}
		if err := attachPinned(p, pin); err != nil {
			return fmt.Errorf("attach %s: %w", name, err)
		}
	}
	return nil
}

// attachPinned attaches p and pins the link at pin, replacing an older
// link atomically (rename over it): the old one detaches only after.
func attachPinned(p *ebpf.Program, pin string) error {
	l, err := link.AttachLSM(link.LSMOptions{Program: p})
	if err != nil {
		return err
	}
	defer l.Close()
	tmp := filepath.Join(filepath.Dir(pin), "new_"+filepath.Base(pin)) // bpffs refuses dots
	os.Remove(tmp)
	if err := l.Pin(tmp); err != nil {
		return fmt.Errorf("pin link: %w", err)
	}
	if err := unix.Rename(tmp, pin); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pin link %s: %w", pin, err)
	}
	return nil
}
