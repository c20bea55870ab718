package selinux

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Sources holds the policy's CIL files (cil/*.cil), so a binary can
// compile the policy it was built with.
//
//go:embed cil/*.cil
var Sources embed.FS

// ErrNoSecilc is returned when the secilc compiler is not installed.
var ErrNoSecilc = errors.New("secilc not found in PATH (install Debian's secilc package: apt-get install -y secilc)")

// Compile compiles every .cil file of srcDir, in name order, into the
// binary policy out. A policy that does not compile (syntax, unresolved
// names, a broken neverallow promise) fails with secilc's message.
func Compile(srcDir, out string) error {
	files, err := cilFiles(srcDir)
	if err != nil {
		return err
	}
	secilc, err := exec.LookPath("secilc")
	if err != nil {
		return ErrNoSecilc
	}
	args := append([]string{"-o", out, "-f", os.DevNull}, files...)
	cmd := exec.Command(secilc, args...)
	var msg bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msg, &msg
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("compile policy %s: secilc: %w: %s", srcDir, err, strings.TrimSpace(msg.String()))
	}
	return nil
}

func cilFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.cil"))
	if err != nil {
		return nil, fmt.Errorf("list policy sources in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("compile policy: no .cil file in %s", dir)
	}
	sort.Strings(files)
	return files, nil
}

// WriteSources writes the embedded CIL sources into dir (which must
// exist), for Compile.
func WriteSources(dir string) error {
	entries, err := Sources.ReadDir("cil")
	if err != nil {
		return fmt.Errorf("read embedded policy: %w", err)
	}
	for _, e := range entries {
		data, err := Sources.ReadFile("cil/" + e.Name())
		if err != nil {
			return fmt.Errorf("read embedded policy: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			return fmt.Errorf("write policy source: %w", err)
		}
	}
	return nil
}
