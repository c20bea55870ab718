package instance

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/moat-sh/moat/vmtests/rootfs"

	"github.com/moat-sh/moat/vmtests/harness"
	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// File is a host file placed in the instance.
type File struct {
	Host  string      // path on the host
	Guest string      // absolute path in the instance
	Mode  fs.FileMode // 0 keeps the host file's
}

// Spec says what goes into an instance image.
type Spec struct {
	CacheDir   string         // images go under CacheDir/instance (MOAT_CACHE)
	Kernel     harness.Kernel // for the modules stage 1 loads
	Supervisor string         // host path of a static moat-supervise
	// Binaries and Files are copied as they are; moatd and moat go to
	// /usr/bin, the runtime where RuntimeFiles puts it.
	Binaries, Files []File
	Tools           []string     // host programs copied with their libraries (runc always is)
	Units           []guest.Unit // nil: DefaultUnits()
	MoatConfig      string       // host path of /etc/moat/config.yaml; "" for none
	// ContainerdConfig is the host path of config.toml; "" writes
	// DefaultContainerdConfig.
	ContainerdConfig string
	ContainerdBin    string   // containerd, ctr, shim, crictl; "" is CacheDir/containerd/bin
	Modules          []string // kernel modules beyond DefaultModules
	// FileContexts is the host path of the image's SELinux file_contexts
	// (mkfs.erofs); "" gives DefaultFileContexts.
	FileContexts string
	// DataLabels label the blank data disk's folders at boot; nil gives
	// DefaultDataLabels.
	DataLabels []guest.PathLabel
	Log        *slog.Logger
}

// DefaultModules are what the instance needs: crc32c (erofs and ext4
// want it, a soft dependency modules.dep does not list), the SIMD sha256
// that dm-verity picks over the generic one, virtio disks and network,
// dm-verity, erofs, ext4, overlay (containerd's snapshotter) and veth.
// (bridge and br_netfilter, for CNI, cost 2 s of boot under TCG: add them
// through Spec.Modules when needed.)
var DefaultModules = []string{
	"crc32c_generic", "sha256_ssse3", "virtio_pci", "virtio_blk", "virtio_net", "dm_mod", "dm_verity", "erofs", "ext4",
	"overlay", "veth",
}

// Image is a built instance image in the cache.
type Image struct {
	Dir        string // the cache folder
	Root, Hash string // the erofs image and its verity hash tree
	Verity     guest.Verity
	Supervisor string // the stage-1 and PID-1 binary
	Kernel     harness.Kernel
	Modules    []string // module files under Kernel.Modules, load order
	DataLabels []guest.PathLabel
	Cached     bool // found in the cache
	Took       time.Duration
}

// containerdBins are the programs taken from ContainerdBin.
var containerdBins = []string{"containerd", "containerd-shim-runc-v2", "ctr", "crictl"}

// Build makes the image, or finds it in the cache under a key derived
// from the digests of every input.
func Build(ctx context.Context, s Spec) (*Image, error) {
	start := time.Now()
	if err := s.fill(); err != nil {
		return nil, err
	}
	mods, err := s.Kernel.ModulePaths(append(append([]string{}, DefaultModules...), s.Modules...))
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	key, err := s.key()
	if err != nil {
		return nil, fmt.Errorf("image key: %w", err)
	}
	dir := filepath.Join(s.CacheDir, "instance", key[:24])
	img := &Image{Dir: dir, Root: filepath.Join(dir, "root.erofs"), Hash: filepath.Join(dir, "root.verity"),
		Supervisor: filepath.Join(dir, "moat-supervise"), Kernel: s.Kernel, Modules: mods, DataLabels: s.DataLabels}
	defer prune(filepath.Dir(dir))
	if img.Verity, err = readVerity(filepath.Join(dir, "verity.json")); err == nil {
		touch(dir)
		img.Cached, img.Took = true, time.Since(start)
		s.Log.Info("instance image cached", "dir", dir)
		return img, nil
	}
	if err := s.build(ctx, img, key); err != nil {
		return nil, err
	}
	img.Took = time.Since(start)
	s.Log.Info("instance image built", "dir", dir, "took", img.Took.Round(time.Millisecond).String())
	return img, nil
}

func (s *Spec) fill() error {
	if s.CacheDir == "" {
		return fmt.Errorf("spec: CacheDir is empty (set MOAT_CACHE)")
	}
	if s.Supervisor == "" {
		return fmt.Errorf("spec: Supervisor is empty: build cmd/moat-supervise with CGO_ENABLED=0")
	}
	if rootfs.Dynamic(s.Supervisor) {
		return fmt.Errorf("spec: Supervisor %s is dynamically linked: build it with CGO_ENABLED=0", s.Supervisor)
	}
	if s.ContainerdBin == "" {
		s.ContainerdBin = filepath.Join(s.CacheDir, "containerd", "bin")
	}
	if s.Units == nil {
		s.Units = DefaultUnits()
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.DataLabels == nil {
		s.DataLabels = DefaultDataLabels()
	}
	for _, l := range s.DataLabels {
		if err := l.Check(); err != nil {
			return fmt.Errorf("spec: %w", err)
		}
	}
	if s.FileContexts == "" {
		s.FileContexts = filepath.Join(s.CacheDir, "instance", "file_contexts")
		if err := writeIfChanged(s.FileContexts, DefaultFileContexts); err != nil {
			return fmt.Errorf("spec: %w", err)
		}
	}
	for i, f := range append(append([]File{}, s.Binaries...), s.Files...) {
		if !filepath.IsAbs(f.Guest) || f.Host == "" {
			return fmt.Errorf("spec: file %d: Guest %q must be absolute and Host set", i, f.Guest)
		}
	}
	return nil
}

// build assembles the tree in a temporary folder next to the cache
// folder and renames it into place when complete.
func (s *Spec) build(ctx context.Context, img *Image, key string) error {
	if err := os.MkdirAll(filepath.Dir(img.Dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(img.Dir), "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	t, err := newTree(filepath.Join(tmp, "tree"))
	if err != nil {
		return err
	}
	if err := s.fillTree(t); err != nil {
		return fmt.Errorf("root tree: %w", err)
	}
	out := filepath.Join(tmp, "out")
	os.MkdirAll(out, 0o755)
	v, err := packVerity(ctx, t.Root, out, s.FileContexts, key)
	if err != nil {
		return err
	}
	if err := copyPlain(s.Supervisor, filepath.Join(out, "moat-supervise")); err != nil {
		return err
	}
	if err := writeVerity(filepath.Join(out, "verity.json"), v); err != nil {
		return err
	}
	img.Verity = v
	if err := os.Rename(out, img.Dir); err != nil {
		// another build of the same inputs won the race: use its image
		if theirs, rerr := readVerity(filepath.Join(img.Dir, "verity.json")); rerr == nil {
			img.Verity = theirs
			return nil
		}
		return fmt.Errorf("store the image: %w (remove %s)", err, img.Dir)
	}
	return nil
}

// writeIfChanged writes body to path unless it already holds it, so that
// the file's modification time (and the digest cache) stays; by rename,
// since test packages building images at once share the cache.
func writeIfChanged(path, body string) error {
	if b, err := os.ReadFile(path); err == nil && string(b) == body {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".file_contexts-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(body); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
