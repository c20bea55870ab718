package front

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/moat-sh/moat/containerd/backend"
	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/containerd/runtime"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/policy"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeRunc logs its arguments and open descriptors, writes $FAKE_PID to
// --pid-file and exits with $FAKE_EXIT.
const fakeRunc = `#!/bin/sh
echo "$@" >> "$FAKE_CALLS"
[ "$1" = --root ] && [ "$3" = --log ] && [ "$7" = create ] && ls -l /proc/$$/fd > "$FAKE_CALLS.fds"
prev=
for a in "$@"; do
	[ "$prev" = --pid-file ] && echo "$FAKE_PID" > "$a"
	prev=$a
done
exit "${FAKE_EXIT:-0}"
`

// gate records registrations.
type gate struct {
	mu   sync.Mutex
	regs []localapi.Container
}

func (g *gate) Register(_ context.Context, c localapi.Container) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.regs = append(g.regs, c)
	return nil
}

func (g *gate) Unregister(context.Context, string, string) error { return nil }

// world is the front, a stand-in runc, a bundle and moatd's local API
// over the real backend, on a unix socket.
type world struct {
	front, dir, bundle, log, calls, socket string
	b                                      *backend.Backend
	gate                                   *gate
	env                                    []string
}

func newWorld(t *testing.T, s policy.Settings, spec *specs.Spec) *world {
	t.Helper()
	front, _ := built(t)
	w := &world{front: front, dir: t.TempDir(), gate: &gate{}}
	w.bundle, w.log, w.calls = filepath.Join(w.dir, "b"), filepath.Join(w.dir, "log.json"), filepath.Join(w.dir, "calls")
	w.socket = filepath.Join(w.dir, "moatd.sock")
	runc := filepath.Join(w.dir, "runc")
	os.WriteFile(runc, []byte(fakeRunc), 0o755)
	os.Mkdir(w.bundle, 0o755)
	data, _ := json.Marshal(spec)
	os.WriteFile(filepath.Join(w.bundle, "config.json"), data, 0o644)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	w.b = &backend.Backend{Settings: &s, State: placement.New(), Gate: w.gate,
		Labels: func(task string) (policy.SELinuxLabels, error) {
			return policy.SELinuxLabels{Process: "p:" + task, Mount: "m:" + task}, nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	serveUnix(t, w.socket, localapi.Handler(w.b, backend.Runtime{Admission: w.b}))
	w.env = []string{"MOAT_RUNC=" + runc, "MOAT_SOCKET=" + w.socket, "FAKE_CALLS=" + w.calls,
		"FAKE_PID=" + strconv.Itoa(os.Getpid())}
	return w
}

// serveUnix serves h over HTTP on a new unix socket at path until the
// test ends.
func serveUnix(t *testing.T, path string, h http.Handler) {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// create runs the front as containerd's shim runs it, in the world's
// directory, with a relative bundle and no pid file.
func (w *world) create(t *testing.T, id string, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(w.front, "--root", filepath.Join(w.dir, "runc", "default"), "--log", w.log, "--log-format", "json",
		"create", "--bundle", "b", id)
	cmd.Dir, cmd.Env = w.dir, append(w.env, env...)
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func (w *world) runcCalls() string {
	b, _ := os.ReadFile(w.calls)
	return string(b)
}

// lastLogError is the last error entry of the runc log, which must be
// JSON lines: containerd's shim reads it so.
func (w *world) lastLogError(t *testing.T) string {
	t.Helper()
	data, _ := os.ReadFile(w.log)
	var msg string
	for dec := json.NewDecoder(bytes.NewReader(data)); dec.More(); {
		var e struct{ Level, Msg, Time string }
		if err := dec.Decode(&e); err != nil || e.Time == "" {
			t.Fatalf("runc log entry %+v is not a runc JSON line: %v\n%s", e, err, data)
		}
		if e.Level == "error" {
			msg = e.Msg
		}
	}
	return msg
}

func plain(extra ...string) *specs.Spec {
	caps := append([]string{"CAP_CHOWN"}, extra...)
	return &specs.Spec{Version: specs.Version, Process: &specs.Process{Args: []string{"sh"}, Cwd: "/",
		Capabilities: &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}},
		Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace},
			{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace}}, Seccomp: &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}}}
}

// A create goes through moatd: admitted, labelled, run with the pid file
// moatd adds, and registered with the cgroup of the pid runc wrote.
func TestCreateThroughMoatd(t *testing.T) {
	w := newWorld(t, policy.Settings{Name: "p"}, plain())
	if code, out := w.create(t, "c1"); code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	pidFile := filepath.Join(w.bundle, backend.PidFile)
	want := "--root " + filepath.Join(w.dir, "runc", "default") + " --log " + w.log + " --log-format json create --pid-file " + pidFile + " --bundle b c1\n"
	if got := w.runcCalls(); got != want {
		t.Errorf("runc ran %q, want %q", got, want)
	}
	spec, err := runtime.ReadSpec(w.bundle)
	if err != nil || spec.Process.SelinuxLabel != "p:c1" || spec.Linux.MountLabel != "m:c1" {
		t.Errorf("spec after create: %+v, %v", spec, err)
	}
	cg, _, _ := runtime.CgroupID(os.Getpid())
	if len(w.gate.regs) != 1 || w.gate.regs[0] != (localapi.Container{ID: "c1", Namespace: "default", TaskID: "c1", CgroupID: cg, Pid: os.Getpid()}) {
		t.Errorf("registered %+v, want c1 in cgroup %d", w.gate.regs, cg)
	}
}

// runc create inherits the descriptors that --preserve-fds passes on.
func TestCreatePreservesDescriptors(t *testing.T) {
	w := newWorld(t, policy.Settings{Name: "p"}, plain())
	r, wr, _ := os.Pipe()
	defer r.Close()
	defer wr.Close()
	cmd := exec.Command(w.front, "--root", filepath.Join(w.dir, "runc", "default"), "--log", w.log, "--log-format", "json",
		"create", "--preserve-fds", "1", "--bundle", "b", "c1")
	cmd.Dir, cmd.Env, cmd.ExtraFiles = w.dir, w.env, []*os.File{wr}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	fds, _ := os.ReadFile(w.calls + ".fds")
	if !strings.Contains(string(fds), " 3 -> pipe:") || strings.Contains(string(fds), "socket:") {
		t.Errorf("runc's descriptors, want 3 (the pipe) and no socket to moatd:\n%s", fds)
	}
}

func TestCreateRefusals(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec *specs.Spec
		env  []string
		want string
	}{
		{"denied", plain("CAP_NET_ADMIN"), nil, "moat: container c1 refused by moatd: "},
		{"malformed spec", &specs.Spec{}, nil, "moat: container c1 refused: malformed OCI spec " + "X/config.json: field ociVersion is missing"},
		{"moatd down", plain(), []string{"MOAT_SOCKET=/nonexistent/moatd.sock"},
			"moat: container c1 refused: moatd could not decide: moatd at /nonexistent/moatd.sock: connect: No such file or directory (is moatd running?)"},
		{"bad timeout", plain(), []string{"MOAT_ADMIT_TIMEOUT=soon"},
			"moat: container c1 refused: moatd could not decide: MOAT_ADMIT_TIMEOUT=soon: want a positive duration such as 20s"},
		{"zero timeout", plain(), []string{"MOAT_ADMIT_TIMEOUT=0s"}, "MOAT_ADMIT_TIMEOUT=0s: want a positive duration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, policy.Settings{Name: "p"}, tt.spec)
			before, _ := os.ReadFile(filepath.Join(w.bundle, "config.json"))
			code, out := w.create(t, "c1", tt.env...)
			want := strings.ReplaceAll(tt.want, "X/", w.bundle+"/")
			if code != 1 || !strings.Contains(out, want) || !strings.Contains(w.lastLogError(t), want) {
				t.Errorf("exit %d, output %q, log %q; want 1 and %q", code, out, w.lastLogError(t), want)
			}
			if w.runcCalls() != "" || len(w.gate.regs) != 0 {
				t.Errorf("runc ran %q, registered %+v", w.runcCalls(), w.gate.regs)
			}
			if after, _ := os.ReadFile(filepath.Join(w.bundle, "config.json")); !bytes.Equal(after, before) {
				t.Error("the spec changed")
			}
		})
	}
}

// MOAT_ADMIT_TIMEOUT takes Go's durations.
func TestCreateTimeouts(t *testing.T) {
	w := newWorld(t, policy.Settings{Name: "p"}, plain())
	for i, d := range []string{"20s", "1m30s", "1.5s", "500ms", "250000us", "1h"} {
		if code, out := w.create(t, "c"+strconv.Itoa(i), "MOAT_ADMIT_TIMEOUT="+d); code != 0 {
			t.Errorf("MOAT_ADMIT_TIMEOUT=%s: exit %d: %s", d, code, out)
		}
	}
	for _, d := range []string{"20", "s", "1x", "-1s", "1e3s", "0x10s", " 1s"} {
		if code, out := w.create(t, "bad", "MOAT_ADMIT_TIMEOUT="+d); code != 1 || !strings.Contains(out, "want a positive duration") {
			t.Errorf("MOAT_ADMIT_TIMEOUT=%q: exit %d: %s", d, code, out)
		}
	}
}

// A moatd that accepts and never answers fails the create at the timeout.
func TestCreateSilentMoatd(t *testing.T) {
	w := newWorld(t, policy.Settings{Name: "p"}, plain())
	sock := filepath.Join(w.dir, "silent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	code, out := w.create(t, "c1", "MOAT_SOCKET="+sock, "MOAT_ADMIT_TIMEOUT=200ms")
	if code != 1 || !strings.Contains(out, "read answer: Operation timed out (is moatd running?)") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestCreatePassesRuncFailureOn(t *testing.T) {
	w := newWorld(t, policy.Settings{Name: "p"}, plain())
	if code, out := w.create(t, "c1", "FAKE_EXIT=3"); code != 3 {
		t.Errorf("exit %d, want runc's 3: %s", code, out)
	}
	if len(w.gate.regs) != 0 {
		t.Errorf("registered %+v after runc failed", w.gate.regs)
	}
}

// A container moatd cannot register is deleted, and the reason logged.
func TestCreateDeletesWhatCannotBeRegistered(t *testing.T) {
	w := newWorld(t, policy.Settings{Name: "p"}, plain())
	code, out := w.create(t, "c1", "FAKE_PID=1073741824")
	want := "moat: container c1 deleted: register c1: read cgroup: open /proc/1073741824/cgroup: no such file or directory"
	if code != 1 || !strings.Contains(out, want) || w.lastLogError(t) != want {
		t.Errorf("exit %d, output %q, log %q; want %q", code, out, w.lastLogError(t), want)
	}
	if calls := w.runcCalls(); !strings.HasSuffix(calls, "--root "+filepath.Join(w.dir, "runc", "default")+" --log "+w.log+" --log-format json delete --force c1\n") {
		t.Errorf("runc calls %q, want a forced delete last", calls)
	}
	if len(w.gate.regs) != 0 {
		t.Errorf("registered %+v", w.gate.regs)
	}
}

// A moatd that does not serve the runtime's calls (older than the front)
// refuses with its status, not an empty message.
func TestCreateOlderMoatd(t *testing.T) {
	w := newWorld(t, policy.Settings{Name: "p"}, plain())
	sock := filepath.Join(w.dir, "old.sock")
	serveUnix(t, sock, http.NotFoundHandler())
	code, out := w.create(t, "c1", "MOAT_SOCKET="+sock)
	want := "moat: container c1 refused: moatd answered 404 to /v1/runtime/create: 404 page not found"
	if code != 1 || !strings.Contains(out, want) || w.runcCalls() != "" {
		t.Errorf("exit %d, output %q, runc %q; want %q", code, out, w.runcCalls(), want)
	}
}
