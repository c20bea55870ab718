package front

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// built is the front compiled once for the package's tests, beside a
// stand-in moat-runtime and a stand-in runc that print who ran and
// with what.
func built(t *testing.T) (front, runc string) {
	t.Helper()
	dir := t.TempDir()
	front, runc = filepath.Join(dir, Name), filepath.Join(dir, "real-runc")
	if err := Build(context.Background(), front); err != nil {
		t.Fatal(err)
	}
	for path, who := range map[string]string{runc: "runc", filepath.Join(dir, "moat-runtime"): "wrapper"} {
		script := "#!/bin/sh\necho " + who + " \"$0\" \"$@\"\n"
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return front, runc
}

func TestRoutes(t *testing.T) {
	front, runc := built(t)
	for _, tc := range []struct {
		args []string
		want string // who ran: runc or wrapper
	}{
		{[]string{"start", "c1"}, "runc"},
		{[]string{"--root", "/run/r", "--log", "/l.json", "--log-format", "json", "delete", "c1"}, "runc"},
		{[]string{"--root", "/run/r", "--log", "/l.json", "--log-format", "json", "delete", "--force", "c1"}, "runc"},
		{[]string{"--root=/run/r", "kill", "c1", "9"}, "runc"},
		{[]string{"--systemd-cgroup", "--debug", "state", "c1"}, "runc"},
		{[]string{"features"}, "runc"},
		{[]string{"exec", "--process", "/p.json", "c1"}, "wrapper"},
		{[]string{"run", "c1"}, "wrapper"},
		{[]string{"restore", "c1"}, "wrapper"},
		{[]string{"checkpoint", "c1"}, "wrapper"},
		// --root takes "start" as its value: the verb is exec.
		{[]string{"--root", "start", "exec", "c1"}, "wrapper"},
		{[]string{"-root", "/run/r", "create", "c1"}, "wrapper"}, // create, but the front cannot tell
		{[]string{"-root", "/run/r", "start", "c1"}, "wrapper"},  // a form it does not know
		{[]string{"--debug=true", "start", "c1"}, "wrapper"},
		{[]string{"--", "start", "c1"}, "wrapper"},
		{[]string{"--rootless"}, "wrapper"},
		{[]string{"--version"}, "wrapper"},
		{nil, "wrapper"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := exec.Command(front, tc.args...)
			cmd.Env = []string{"MOAT_RUNC=" + runc}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			f := strings.Fields(string(out))
			if len(f) < 2 || f[0] != tc.want {
				t.Fatalf("ran %q, want %s", out, tc.want)
			}
			if got, want := strings.Join(f[2:], " "), strings.Join(tc.args, " "); got != want {
				t.Errorf("%s got arguments %q, want %q", tc.want, got, want)
			}
		})
	}
}

func TestRefuses(t *testing.T) {
	front, _ := built(t)
	for name, tc := range map[string]struct {
		env  []string
		args []string
		want string
	}{
		"runc is the front itself": {[]string{"MOAT_RUNC=" + front}, []string{"start", "c1"}, "is moat's runtime itself"},
		"runc missing":             {[]string{"MOAT_RUNC=/nonexistent/runc"}, []string{"state", "c1"}, "exec /nonexistent/runc: No such file or directory"},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(front, tc.args...)
			cmd.Env = tc.env
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("err %v, output %q; want a failure saying %q", err, out, tc.want)
			}
		})
	}
}

// Without moat-runtime beside it, the front says where it looked.
func TestWrapperMissing(t *testing.T) {
	front := filepath.Join(t.TempDir(), Name)
	if err := Build(context.Background(), front); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(front, "exec", "c1").CombinedOutput()
	want := "exec " + filepath.Join(filepath.Dir(front), "moat-runtime") + ": No such file or directory"
	if err == nil || !strings.Contains(string(out), want) {
		t.Fatalf("err %v, output %q; want %q", err, out, want)
	}
}

// The front found through a symlink named runc (as containerd's PATH
// finds it) still runs the moat-runtime beside the file itself.
func TestThroughSymlink(t *testing.T) {
	front, runc := built(t)
	link := filepath.Join(t.TempDir(), "runc")
	if err := os.Symlink(front, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "exec", "c1")
	cmd.Env = []string{"MOAT_RUNC=" + runc}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "wrapper "+filepath.Join(filepath.Dir(front), "moat-runtime")) {
		t.Fatalf("err %v, output %q", err, out)
	}
}

// make build compiles the front itself, with the same compiler and flags.
func TestMakefileFlags(t *testing.T) {
	b, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FRONT_CC := " + Compiler + "\n", "FRONT_CFLAGS := " + strings.Join(CFlags, " ") + "\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the Makefile has no line %q: keep it and Compiler and CFlags the same", want)
		}
	}
}

// The front asks the CPU nothing as it starts: in a virtual machine each
// CPUID exits to the hypervisor, and glibc's start-up has 29 (Compiler
// says more). objdump comes with gcc, which musl-gcc drives.
func TestNoCPUID(t *testing.T) {
	front, _ := built(t)
	out, err := exec.Command("objdump", "-d", front).Output()
	if err != nil {
		t.Fatalf("objdump -d %s: %v", front, err)
	}
	if n := strings.Count(string(out), "\tcpuid"); n > 0 {
		t.Errorf("moat-runc has %d CPUID instructions: built with glibc's start-up, not musl's", n)
	}
}
