package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/containerd/runtime/apiclient"
)

// fakeAPI answers admission from a table and records the rest.
type fakeAPI struct {
	resp         apiclient.AdmitResponse
	admitErr     error
	registerErr  error
	asked        []apiclient.AdmitRawRequest
	registered   []apiclient.Container
	unregistered []string
}

func (f *fakeAPI) Admit(_ context.Context, r apiclient.AdmitRawRequest) (apiclient.AdmitResponse, error) {
	f.asked = append(f.asked, r)
	return f.resp, f.admitErr
}

func (f *fakeAPI) Register(_ context.Context, c apiclient.Container) error {
	f.registered = append(f.registered, c)
	return f.registerErr
}

func (f *fakeAPI) Unregister(_ context.Context, ns, id string) error {
	f.unregistered = append(f.unregistered, ns+"/"+id)
	return errors.New("unknown container")
}

// fakeRunc is a script that logs its arguments, answers state with
// $FAKE_RUNC_BUNDLE, writes the test's pid to --pid-file on create and
// exits with $FAKE_RUNC_EXIT.
const fakeRunc = `#!/bin/sh
echo "$@" >> "$FAKE_RUNC_CALLS"
for a in "$@"; do
	[ "$a" = state ] && { printf '{"id":"x","bundle":"%s"}' "$FAKE_RUNC_BUNDLE"; exit 0; }
done
prev=
for a in "$@"; do
	[ "$prev" = --pid-file ] && echo "$FAKE_RUNC_PID" > "$a"
	prev=$a
done
exit "${FAKE_RUNC_EXIT:-0}"
`

type harness struct {
	api    *fakeAPI
	w      *Wrapper
	bundle string
	log    string
	calls  string
	stderr *bytes.Buffer
}

func newHarness(t *testing.T, config string) *harness {
	t.Helper()
	dir := t.TempDir()
	runc := filepath.Join(dir, "runc")
	os.WriteFile(runc, []byte(fakeRunc), 0o755)
	h := &harness{api: &fakeAPI{resp: apiclient.AdmitResponse{Allowed: true, TaskID: "t1", CapMask: 1 << 12}},
		bundle: filepath.Join(dir, "bundle"), log: filepath.Join(dir, "log.json"),
		calls: filepath.Join(dir, "calls"), stderr: &bytes.Buffer{}}
	os.Mkdir(h.bundle, 0o755)
	os.WriteFile(filepath.Join(h.bundle, "config.json"), []byte(config), 0o644)
	t.Setenv("FAKE_RUNC_CALLS", h.calls)
	t.Setenv("FAKE_RUNC_PID", strconv.Itoa(os.Getpid()))
	h.w = &Wrapper{Config: Config{Runc: runc, Timeout: time.Second}, API: h.api,
		Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: h.stderr}
	return h
}

func (h *harness) create(id string) int {
	return h.w.Run(context.Background(), []string{"--root", "/run/containerd/runc/ns1", "--log", h.log,
		"--log-format", "json", "create", "--bundle", h.bundle, "--pid-file", filepath.Join(h.bundle, "init.pid"), id})
}

func (h *harness) runcCalls() string {
	b, _ := os.ReadFile(h.calls)
	return string(b)
}

// lastLogError is what containerd's shim shows: the last error entry.
func (h *harness) lastLogError(t *testing.T) string {
	t.Helper()
	data, _ := os.ReadFile(h.log)
	var msg string
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var e struct{ Level, Msg string }
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("runc log is not JSON lines: %v\n%s", err, data)
		}
		if e.Level == "error" {
			msg = e.Msg
		}
	}
	return msg
}

const plainSpec = `{"ociVersion":"1.2.0","process":{"args":["sh"],"cwd":"/"}}`

func TestCreateAdmitsCreatesAndRegisters(t *testing.T) {
	h := newHarness(t, plainSpec)
	h.api.resp.ProcessLabel, h.api.resp.MountLabel = "system_u:system_r:moat_task_t:s0:c1,c2", "system_u:object_r:moat_file_t:s0:c1,c2"
	if code := h.create("c1"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr)
	}
	if len(h.api.asked) != 1 || h.api.asked[0].Namespace != "ns1" || h.api.asked[0].Source != "runtime" ||
		string(h.api.asked[0].Spec) != plainSpec {
		t.Errorf("asked %+v", h.api.asked)
	}
	if !strings.Contains(h.runcCalls(), "create --bundle "+h.bundle) {
		t.Errorf("runc calls %q, want a create", h.runcCalls())
	}
	want, _, _ := CgroupID(os.Getpid())
	if len(h.api.registered) != 1 || h.api.registered[0] != (apiclient.Container{ID: "c1", Namespace: "ns1",
		TaskID: "t1", CgroupID: want, Pid: os.Getpid(), CapMask: 1 << 12}) {
		t.Errorf("registered %+v, want cgroup %d", h.api.registered, want)
	}
	spec, err := ReadSpec(h.bundle)
	if err != nil || spec.Process.SelinuxLabel != h.api.resp.ProcessLabel || spec.Linux.MountLabel != h.api.resp.MountLabel {
		t.Errorf("spec after create: %+v %v", spec, err)
	}
}

func TestCreateRefusals(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		setup    func(*fakeAPI)
		wantMsg  string
		askMoatd bool
	}{
		{"denied", plainSpec, func(f *fakeAPI) { f.resp = apiclient.AdmitResponse{Reason: "asks for CAP_NET_ADMIN"} },
			"container c1 refused by moatd: asks for CAP_NET_ADMIN", true},
		{"moatd down", plainSpec, func(f *fakeAPI) { f.admitErr = errors.New("dial unix: no such file (is moatd running?)") },
			"moatd could not decide: dial unix: no such file (is moatd running?)", true},
		{"malformed spec", `{"ociVersion":"1.2.0",`, nil, "malformed OCI spec", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.config)
			if tt.setup != nil {
				tt.setup(h.api)
			}
			if code := h.create("c1"); code == 0 {
				t.Fatal("created")
			}
			if got := h.lastLogError(t); !strings.Contains(got, tt.wantMsg) || !strings.HasPrefix(got, "moat: ") {
				t.Errorf("log error %q, want %q", got, tt.wantMsg)
			}
			if !strings.Contains(h.stderr.String(), tt.wantMsg) {
				t.Errorf("stderr %q, want %q", h.stderr, tt.wantMsg)
			}
			if h.runcCalls() != "" || len(h.api.registered) != 0 {
				t.Errorf("runc ran (%q) or registered %v", h.runcCalls(), h.api.registered)
			}
			if (len(h.api.asked) == 1) != tt.askMoatd {
				t.Errorf("asked moatd %d times", len(h.api.asked))
			}
		})
	}
}

func TestCreateDeletesWhatCannotBeRegistered(t *testing.T) {
	h := newHarness(t, plainSpec)
	h.api.registerErr = errors.New("bpf map full")
	if code := h.create("c1"); code == 0 {
		t.Fatal("created")
	}
	if !strings.Contains(h.runcCalls(), "delete --force c1") {
		t.Errorf("runc calls %q, want a forced delete", h.runcCalls())
	}
	if got := h.lastLogError(t); !strings.Contains(got, "container c1 deleted: register with moatd: bpf map full") {
		t.Errorf("log error %q", got)
	}
}

func TestCreatePassesRuncFailureOn(t *testing.T) {
	h := newHarness(t, plainSpec)
	t.Setenv("FAKE_RUNC_EXIT", "3")
	if code := h.create("c1"); code != 3 {
		t.Errorf("exit %d, want runc's 3", code)
	}
	if len(h.api.registered) != 0 {
		t.Errorf("registered %v after a failed create", h.api.registered)
	}
}

func TestOtherVerbsExecRunc(t *testing.T) {
	h := newHarness(t, plainSpec)
	var path string
	var argv []string
	h.w.Exec = func(p string, a, _ []string) error { path, argv = p, a; return nil }
	h.w.Run(context.Background(), []string{"--root", "/r/ns2", "delete", "--force", "c9"})
	if path != h.w.Runc || strings.Join(argv[1:], " ") != "--root /r/ns2 delete --force c9" {
		t.Errorf("exec %s %q", path, argv)
	}
	if len(h.api.unregistered) != 1 || h.api.unregistered[0] != "ns2/c9" {
		t.Errorf("unregistered %v", h.api.unregistered)
	}
	h.w.Run(context.Background(), []string{"start", "c9"})
	if strings.Join(argv[1:], " ") != "start c9" || len(h.api.asked) != 0 {
		t.Errorf("start: exec %q, asked %d", argv, len(h.api.asked))
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{EnvRunc: "/opt/runc", EnvTimeout: "5s"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c.Runc != "/opt/runc" || c.Socket != apiclient.DefaultSocket || c.Timeout != 5*time.Second {
		t.Errorf("%+v %v", c, err)
	}
	env[EnvTimeout] = "soon"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), EnvTimeout) {
		t.Errorf("bad timeout: %v", err)
	}
}
