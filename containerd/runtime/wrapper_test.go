package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/containerd/runtime/apiclient"
)

// fakeAPI answers runtime calls from fields and records them.
type fakeAPI struct {
	answer       apiclient.RuntimeAnswer
	createErr    error
	createdErr   error
	created      []apiclient.RuntimeCall
	asked        []apiclient.RuntimeCall
	unregistered []string
}

func (f *fakeAPI) RuntimeCreate(_ context.Context, call apiclient.RuntimeCall) (apiclient.RuntimeAnswer, error) {
	f.asked = append(f.asked, call)
	return f.answer, f.createErr
}

func (f *fakeAPI) RuntimeCreated(_ context.Context, call apiclient.RuntimeCall) error {
	f.created = append(f.created, call)
	return f.createdErr
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
	h := &harness{api: &fakeAPI{answer: apiclient.RuntimeAnswer{ID: "c1"}},
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
	return h.w.Run(context.Background(), h.createArgs(id))
}

func (h *harness) createArgs(id string) []string {
	return []string{"--root", "/run/containerd/runc/ns1", "--log", h.log,
		"--log-format", "json", "create", "--bundle", h.bundle, "--pid-file", filepath.Join(h.bundle, "init.pid"), id}
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

func TestCreateAsksRunsAndRegisters(t *testing.T) {
	h := newHarness(t, plainSpec)
	h.api.answer.Extra = []string{"--no-new-keyring"}
	if code := h.create("c1"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr)
	}
	dir, _ := os.Getwd()
	args := h.createArgs("c1")
	ran := slices.Concat(args[:7], []string{"--no-new-keyring"}, args[7:])
	if len(h.api.asked) != 1 || !reflect.DeepEqual(h.api.asked[0], apiclient.RuntimeCall{Dir: dir, Args: args}) {
		t.Errorf("asked %+v", h.api.asked)
	}
	if want := strings.Join(ran, " ") + "\n"; h.runcCalls() != want {
		t.Errorf("runc calls %q, want %q", h.runcCalls(), want)
	}
	if len(h.api.created) != 1 || !reflect.DeepEqual(h.api.created[0], apiclient.RuntimeCall{Dir: dir, Args: ran}) {
		t.Errorf("registered %+v, want the command line that ran", h.api.created)
	}
}

func TestCreateRefusals(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantMsg string
	}{
		{"denied", errors.New("container c1 refused by moatd: asks for CAP_NET_ADMIN"),
			"moat: container c1 refused by moatd: asks for CAP_NET_ADMIN"},
		{"moatd down", &apiclient.NoAnswerError{Socket: "/run/moat/moatd.sock", Err: errors.New("connect: no such file")},
			"moat: container c1 refused: moatd could not decide: moatd at /run/moat/moatd.sock: connect: no such file (is moatd running?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, plainSpec)
			h.api.createErr = tt.err
			if code := h.create("c1"); code == 0 {
				t.Fatal("created")
			}
			if got := h.lastLogError(t); got != tt.wantMsg {
				t.Errorf("log error %q, want %q", got, tt.wantMsg)
			}
			if !strings.Contains(h.stderr.String(), tt.wantMsg) {
				t.Errorf("stderr %q, want %q", h.stderr, tt.wantMsg)
			}
			if h.runcCalls() != "" || len(h.api.created) != 0 {
				t.Errorf("runc ran (%q) or registered %v", h.runcCalls(), h.api.created)
			}
		})
	}
}

func TestCreateDeletesWhatCannotBeRegistered(t *testing.T) {
	h := newHarness(t, plainSpec)
	h.api.createdErr = errors.New("register c1: bpf map full")
	if code := h.create("c1"); code == 0 {
		t.Fatal("created")
	}
	if !strings.Contains(h.runcCalls(), "delete --force c1") {
		t.Errorf("runc calls %q, want a forced delete", h.runcCalls())
	}
	if got := h.lastLogError(t); got != "moat: container c1 deleted: register c1: bpf map full" {
		t.Errorf("log error %q", got)
	}
}

func TestCreatePassesRuncFailureOn(t *testing.T) {
	h := newHarness(t, plainSpec)
	t.Setenv("FAKE_RUNC_EXIT", "3")
	if code := h.create("c1"); code != 3 {
		t.Errorf("exit %d, want runc's 3", code)
	}
	if len(h.api.created) != 0 {
		t.Errorf("registered %v after a failed create", h.api.created)
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
