package instance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// Scenario is the program the instance runs once its units are ready.
type Scenario struct {
	Program string // host path: a static binary, or a script the image can run
	// Path is a program in the image (a Spec.Binaries entry) to run in
	// place of Program. A program off the protected root is refused by
	// moatd's exec family, so a scenario that runs with it enforcing from
	// the start must be in the image.
	Path  string
	Args  []string // its arguments
	Env   []string // KEY=VALUE, besides PATH, HOME and MOAT_INSTANCE=1
	Files []File   // more files; Guest is relative to the scenario folder
}

// stage1 writes the per-boot initramfs: stage 1 (moat-supervise as
// /init), the modules and the scenario.
func (img *Image) stage1(dir string, sc Scenario, out string) error {
	t, err := newTree(filepath.Join(dir, "initramfs"))
	if err != nil {
		return err
	}
	cfg := guest.Stage1Config{DataLabels: img.DataLabels}
	if err := t.Copy(img.Supervisor, "/init", 0o755); err != nil {
		return err
	}
	for _, rel := range img.Modules {
		dst := filepath.Join("/lib/modules", img.Kernel.Release, rel)
		if err := t.Copy(filepath.Join(img.Kernel.Modules, rel), dst, 0o644); err != nil {
			return err
		}
		cfg.Modules = append(cfg.Modules, dst)
	}
	if sc.Program != "" || sc.Path != "" {
		if err := addScenario(t, sc); err != nil {
			return fmt.Errorf("scenario: %w", err)
		}
		cfg.InitArgs = []string{"--scenario", filepath.Join(guest.ScenarioDir, guest.ScenarioFile)}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := t.Write(guest.Stage1ConfigPath, b, 0o644); err != nil {
		return err
	}
	return packCpio(t.Root, out)
}

func addScenario(t *tree, sc Scenario) error {
	const dir = "/scenario" // stage 1 copies it to guest.ScenarioDir
	name := sc.Path
	if sc.Program != "" {
		if sc.Path != "" {
			return fmt.Errorf("set Program or Path, not both")
		}
		name = filepath.Base(sc.Program)
		if err := t.Copy(sc.Program, filepath.Join(dir, name), 0o755); err != nil {
			return err
		}
	} else if !filepath.IsAbs(name) {
		return fmt.Errorf("path %q is not absolute", name)
	}
	for _, f := range sc.Files {
		if filepath.IsAbs(f.Guest) || strings.HasPrefix(filepath.Clean(f.Guest), "..") {
			return fmt.Errorf("file %q: Guest must be relative to the scenario folder", f.Guest)
		}
		if err := t.Copy(f.Host, filepath.Join(dir, f.Guest), f.Mode); err != nil {
			return err
		}
	}
	b, err := json.Marshal(guest.Scenario{Argv: append([]string{name}, sc.Args...), Env: sc.Env})
	if err != nil {
		return err
	}
	return t.Write(filepath.Join(dir, guest.ScenarioFile), b, 0o644)
}

// packCpio writes a folder as an uncompressed newc cpio archive.
func packCpio(root, out string) error {
	cmd := exec.Command("sh", "-c", `find . -print0 | cpio --null -o -H newc -R 0:0 --quiet > "$0"`, out)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cpio: %v: %s (install cpio: make deps)", err, msg)
	}
	return nil
}

// makeDataDisk creates a blank ext4 disk of sizeMB (sparse).
func makeDataDisk(ctx context.Context, path string, sizeMB int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(int64(sizeMB) << 20); err != nil {
		f.Close()
		return err
	}
	f.Close()
	return run(ctx, "mkfs.ext4", "-q", "-F", "-L", "moat-data", "-E", "lazy_itable_init=1,lazy_journal_init=1", path)
}
