package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseExec(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want ExecArgs
		err  bool
	}{
		{"shim", []string{"--process", "/b/p.json", "--detach", "--pid-file", "/b/x.pid", "c1"}, ExecArgs{ID: "c1", Process: "/b/p.json"}, false},
		{"caps and label", []string{"--cap", "CAP_SYS_ADMIN", "-c=NET_ADMIN", "--process-label", "l", "-t", "c2", "sh", "-c", "x"},
			ExecArgs{ID: "c2", Caps: []string{"CAP_SYS_ADMIN", "NET_ADMIN"}, Label: "l"}, false},
		{"no id", []string{"--tty"}, ExecArgs{}, true},
		{"dangling", []string{"--cap"}, ExecArgs{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExec(tt.args)
			if (err != nil) != tt.err || !tt.err && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, %v; want %+v, error %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func withCaps(caps ...string) *specs.Process {
	return &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps, Permitted: caps, Effective: caps}}
}

func TestExecWithin(t *testing.T) {
	container := &specs.Spec{Process: withCaps("CAP_CHOWN", "CAP_NET_ADMIN")}
	container.Process.SelinuxLabel = "s0:c1,c2"
	tests := []struct {
		name string
		x    ExecArgs
		p    *specs.Process
		want string // in the error; empty for allowed
	}{
		{"container's own process", ExecArgs{ID: "c"}, nil, ""},
		{"same caps", ExecArgs{ID: "c"}, withCaps("CAP_NET_ADMIN"), ""},
		{"cap flag within", ExecArgs{ID: "c", Caps: []string{"net_admin"}}, nil, ""},
		{"more caps", ExecArgs{ID: "c"}, withCaps("CAP_CHOWN", "CAP_SYS_ADMIN"), "asks for CAP_SYS_ADMIN"},
		{"ambient", ExecArgs{ID: "c"}, &specs.Process{Capabilities: &specs.LinuxCapabilities{Ambient: []string{"CAP_BPF"}}}, "CAP_BPF"},
		{"cap flag beyond", ExecArgs{ID: "c", Caps: []string{"CAP_SYS_PTRACE"}}, nil, "CAP_SYS_PTRACE"},
		{"other label", ExecArgs{ID: "c", Label: "s0"}, nil, `SELinux label "s0"`},
		{"same label", ExecArgs{ID: "c"}, &specs.Process{SelinuxLabel: "s0:c1,c2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ExecWithin(tt.x, tt.p, container)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrRefused)) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestExecChecksAgainstTheBundle(t *testing.T) {
	h := newHarness(t, `{"ociVersion":"1.2.0","process":{"cwd":"/","capabilities":{"bounding":["CAP_CHOWN"]}}}`)
	t.Setenv("FAKE_RUNC_BUNDLE", h.bundle)
	var execed bool
	h.w.Exec = func(string, []string, []string) error { execed = true; return nil }
	proc := filepath.Join(t.TempDir(), "process.json")
	os.WriteFile(proc, []byte(`{"cwd":"/","args":["sh"],"capabilities":{"bounding":["CAP_SYS_ADMIN"]}}`), 0o644)
	code := h.w.Run(context.Background(), []string{"--root", "/r/default", "--log", h.log, "--log-format", "json",
		"exec", "--process", proc, "--detach", "c1"})
	if code == 0 || execed || !strings.Contains(h.lastLogError(t), "asks for CAP_SYS_ADMIN") {
		t.Errorf("exit %d, exec'd %v, log %q", code, execed, h.lastLogError(t))
	}
	os.WriteFile(proc, []byte(`{"cwd":"/","args":["sh"],"capabilities":{"bounding":["CAP_CHOWN"]}}`), 0o644)
	h.w.Run(context.Background(), []string{"--root", "/r/default", "exec", "--process", proc, "c1"})
	if !execed {
		t.Error("an exec within the container's capabilities did not run")
	}
}

func TestRunAndRestoreRefused(t *testing.T) {
	h := newHarness(t, plainSpec)
	for _, verb := range []string{"run", "restore"} {
		if code := h.w.Run(context.Background(), []string{verb, "--bundle", h.bundle, "x"}); code == 0 {
			t.Errorf("runc %s passed", verb)
		}
		if !strings.Contains(h.stderr.String(), "runc "+verb+" refused") {
			t.Errorf("stderr %q", h.stderr)
		}
	}
	if h.runcCalls() != "" {
		t.Errorf("runc ran: %q", h.runcCalls())
	}
}
