//go:build !vmtest

package selinux

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// magicBytes starts every binary SELinux policy (little endian).
var magicBytes = []byte{0x8c, 0xff, 0x7c, 0xf9}

func needSecilc(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("secilc"); err != nil {
		t.Fatal(ErrNoSecilc)
	}
}

var compiled struct {
	once   sync.Once
	policy string
	err    error
}

// compileTree compiles cil/ of the tree once per test binary and
// returns the binary policy's path.
func compileTree(t *testing.T) string {
	t.Helper()
	needSecilc(t)
	compiled.once.Do(func() {
		dir, err := os.MkdirTemp("", "moat-policy-")
		if err != nil {
			compiled.err = err
			return
		}
		atExit = append(atExit, func() { os.RemoveAll(dir) })
		compiled.policy = filepath.Join(dir, "moat.pol")
		compiled.err = Compile("cil", compiled.policy)
	})
	if compiled.err != nil {
		t.Fatal(compiled.err)
	}
	return compiled.policy
}

func TestCompileTree(t *testing.T) {
	out := compileTree(t)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, magicBytes) {
		t.Fatalf("%s does not start with the SELinux policy magic: % x", out, data[:8])
	}
	t.Logf("binary policy: %d bytes", len(data))
	h, err := Verify(out)
	if err != nil || h != (PolicyHeader{Version: 33, MLS: true, HandleUnknown: "deny"}) {
		t.Fatalf("Verify(compiled tree) = %+v, %v", h, err)
	}
}

func TestCompileBadPolicy(t *testing.T) {
	needSecilc(t)
	cases := []struct {
		name  string
		extra string // a file added to the tree's sources
		want  string // in secilc's message
	}{
		{"unbalanced", "(allow moat_task_t", "Open parenthesis without matching close"},
		{"syntax", "(allow moat_task_t)", "Invalid syntax"},
		{"unknown type", "(allow moat_task_t moat_nonexistent_t (file (read)))", "Failed to resolve"},
		{"task reads secrets", "(allow moat_task_t moat_secret_t (file (read)))", "neverallow check failed"},
		{"task writes os files", "(allow moat_task_t moat_os_file_t (file (write)))", "neverallow check failed"},
		{"host enters task", "(allow moat_host_t moat_task_t (process (transition)))", "neverallow check failed"},
		{"task loads modules", "(allow moat_task_priv_t self (capability (sys_module)))", "neverallow check failed"},
		{"normal task gets sys_admin", "(allow moat_task_t self (capability (sys_admin)))", "neverallow check failed"},
		{"task touches bpffs", "(allow moat_task_t moat_bpffs_t (dir (search)))", "neverallow check failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteSources(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "zz-extra.cil"), []byte(c.extra+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "moat.pol")
			err := Compile(dir, out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Compile with %q: got %v, want an error with secilc's %q", c.extra, err, c.want)
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Fatalf("a failed compile left %s behind", out)
			}
		})
	}
}

// The embedded policy is the tree's: same digest, same binary.
func TestCompileEmbedded(t *testing.T) {
	tree := compileTree(t)
	out := filepath.Join(t.TempDir(), "embedded.pol")
	digest, err := CompileEmbedded(out)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := SourceDigest("cil"); digest != want {
		t.Fatalf("embedded digest %s, tree %s", digest, want)
	}
	a, _ := os.ReadFile(tree)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Fatalf("the embedded policy compiles to other bytes than the tree's (%d vs %d)", len(b), len(a))
	}
}

func TestCompileNoSources(t *testing.T) {
	err := Compile(t.TempDir(), filepath.Join(t.TempDir(), "x.pol"))
	if err == nil || !strings.Contains(err.Error(), "no .cil file") {
		t.Fatalf("got %v, want an error naming the missing sources", err)
	}
}

func TestCompileWithoutSecilc(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Compile("cil", filepath.Join(t.TempDir(), "x.pol"))
	if !errors.Is(err, ErrNoSecilc) || !strings.Contains(err.Error(), "apt-get install -y secilc") {
		t.Fatalf("got %v, want ErrNoSecilc naming the package", err)
	}
}

// The embedded sources are the tree's: what a binary compiles is what
// is reviewed.
func TestSourcesAreTheTree(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSources(dir); err != nil {
		t.Fatal(err)
	}
	tree, _ := filepath.Glob("cil/*.cil")
	written, _ := filepath.Glob(filepath.Join(dir, "*.cil"))
	if len(tree) == 0 || len(tree) != len(written) {
		t.Fatalf("tree has %d sources, embedded %d", len(tree), len(written))
	}
	for _, path := range tree {
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(dir, filepath.Base(path)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("embedded %s differs from the tree (%v)", filepath.Base(path), err)
		}
	}
}

func TestSourceDigest(t *testing.T) {
	base := t.TempDir()
	write := func(dir string, files map[string]string) string {
		d := filepath.Join(base, dir)
		os.Mkdir(d, 0o755)
		for name, data := range files {
			os.WriteFile(filepath.Join(d, name), []byte(data), 0o644)
		}
		return d
	}
	digest := func(dir string) string {
		d, err := SourceDigest(dir)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	ref := digest(write("ref", map[string]string{"a.cil": "(a)", "b.cil": "(b)"}))
	cases := []struct {
		name  string
		files map[string]string
		same  bool
	}{
		{"same files", map[string]string{"a.cil": "(a)", "b.cil": "(b)"}, true},
		{"other files ignored", map[string]string{"a.cil": "(a)", "b.cil": "(b)", "notes.txt": "x"}, true},
		{"content changed", map[string]string{"a.cil": "(a)", "b.cil": "(c)"}, false},
		{"file renamed", map[string]string{"a.cil": "(a)", "c.cil": "(b)"}, false},
		{"bytes moved between files", map[string]string{"a.cil": "(a)(", "b.cil": "b)"}, false},
	}
	for i, c := range cases {
		got := digest(write(fmt.Sprint(i), c.files))
		if (got == ref) != c.same {
			t.Errorf("%s: digest %s vs %s, want same=%v", c.name, got, ref, c.same)
		}
	}
	if _, err := SourceDigest(t.TempDir()); err == nil {
		t.Error("SourceDigest of a folder without sources: want an error")
	}
}
