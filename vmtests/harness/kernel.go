package harness

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Kernel is an unpacked Debian kernel package.
type Kernel struct {
	Release string
	Vmlinuz string
	Modules string // lib/modules/<release>
}

// FindKernel checks the kernel folder made by scripts/deps.
func FindKernel(dir string) (Kernel, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return Kernel{}, fmt.Errorf("no Debian kernel at %s: run 'make deps' (scripts/deps kernel) to fetch it", dir)
	}
	k := Kernel{
		Release: filepath.Base(real),
		Vmlinuz: filepath.Join(real, "vmlinuz"),
		Modules: filepath.Join(real, "modules"),
	}
	for _, p := range []string{k.Vmlinuz, filepath.Join(k.Modules, "modules.dep")} {
		if _, err := os.Stat(p); err != nil {
			return Kernel{}, fmt.Errorf("kernel folder %s is incomplete (%v): run 'make deps' again", real, err)
		}
	}
	return k, nil
}

// ModulePaths resolves module names (as modprobe knows them) to their
// files, dependencies first, each once.
func (k Kernel) ModulePaths(names []string) ([]string, error) {
	deps, err := k.readDeps()
	if err != nil {
		return nil, err
	}
	var order []string
	seen := map[string]bool{}
	var visit func(rel string)
	visit = func(rel string) {
		if seen[rel] {
			return
		}
		seen[rel] = true
		for _, d := range deps[rel] {
			visit(d)
		}
		order = append(order, rel)
	}
	for _, name := range names {
		rel, ok := findModule(deps, name)
		if !ok {
			if k.builtin(name) {
				continue
			}
			return nil, fmt.Errorf("kernel %s has no module %q", k.Release, name)
		}
		visit(rel)
	}
	return order, nil
}

func (k Kernel) readDeps() (map[string][]string, error) {
	f, err := os.Open(filepath.Join(k.Modules, "modules.dep"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	deps := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		mod, rest, ok := strings.Cut(sc.Text(), ":")
		if ok {
			deps[mod] = strings.Fields(rest)
		}
	}
	return deps, sc.Err()
}

func findModule(deps map[string][]string, name string) (string, bool) {
	want := normalizeModule(name)
	for rel := range deps {
		if normalizeModule(moduleName(rel)) == want {
			return rel, true
		}
	}
	return "", false
}

func (k Kernel) builtin(name string) bool {
	b, err := os.ReadFile(filepath.Join(k.Modules, "modules.builtin"))
	if err != nil {
		return false
	}
	for _, rel := range strings.Fields(string(b)) {
		if normalizeModule(moduleName(rel)) == normalizeModule(name) {
			return true
		}
	}
	return false
}

func moduleName(rel string) string {
	base := filepath.Base(rel)
	return base[:strings.Index(base, ".ko")]
}

func normalizeModule(name string) string { return strings.ReplaceAll(name, "-", "_") }
