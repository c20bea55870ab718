package backend

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-sh/moat/containerd/placement"
	"github.com/moat-sh/moat/containerd/runtime"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/daemon/localapi/wire"
	"github.com/moat-sh/moat/policy"
)

// bundle writes spec as config.json in a new bundle, in a new directory
// that the calls run in.
func bundle(t *testing.T, spec any) (dir, bundle string) {
	t.Helper()
	dir = t.TempDir()
	bundle = filepath.Join(dir, "b")
	data, _ := json.Marshal(spec)
	if s, ok := spec.(string); ok {
		data = []byte(s)
	}
	if err := os.Mkdir(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, bundle
}

func createCall(dir string, args ...string) wire.RuntimeCall {
	return wire.RuntimeCall{Dir: dir, Args: append([]string{"--root", "/run/containerd/runc/default", "create"}, args...)}
}

// A create admitted, labelled, run (here: its pid file written) and
// registered, with a relative bundle and no pid file of its own.
func TestRuntimeCreateThenCreated(t *testing.T) {
	_, b, g := serve(t, policy.Settings{Name: "p"})
	rt := Runtime{Admission: b}
	dir, bdir := bundle(t, plainSpec(nil))
	call := createCall(dir, "--bundle", "b", "c1")
	ans, err := rt.Create(context.Background(), call)
	wantPid := filepath.Join(bdir, PidFile)
	if err != nil || ans.ID != "c1" || !slices.Equal(ans.Extra, []string{"--pid-file", wantPid}) {
		t.Fatalf("create: %+v, %v", ans, err)
	}
	spec, err := runtime.ReadSpec(bdir)
	if err != nil || spec.Process.SelinuxLabel != "p:c1" || spec.Linux.MountLabel != "m:c1" {
		t.Fatalf("spec after create: %+v, %v", spec, err)
	}
	if _, ok := b.State.Containers()[placement.Key{Namespace: "default", ID: "c1"}]; !ok {
		t.Fatal("admitted container not in the placement state")
	}
	// runc create writes the pid file; this test's process stands in.
	os.WriteFile(wantPid, []byte(strconv.Itoa(os.Getpid())), 0o644)
	call.Args = slices.Concat(call.Args[:3], ans.Extra, call.Args[3:])
	if err := rt.Created(context.Background(), call); err != nil {
		t.Fatal(err)
	}
	cg, _, _ := runtime.CgroupID(os.Getpid())
	if g.registered != 1 || g.last != (localapi.Container{ID: "c1", Namespace: "default", TaskID: "c1", CgroupID: cg, Pid: os.Getpid()}) {
		t.Errorf("gate got %d registrations, last %+v", g.registered, g.last)
	}
}

func TestRuntimeCreateRefusals(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec any
		args []string
		kind error
		want string
	}{
		{"denied", plainSpec(nil, "CAP_NET_ADMIN"), []string{"c1"}, localapi.ErrRefused, "container c1 refused by moatd: "},
		{"malformed", `{"ociVersion":"1.2.0","process":`, []string{"c1"}, localapi.ErrRefused, "container c1 refused: malformed OCI spec"},
		{"unknown field", `{"ociVersion":"1.2.0","privileged":true}`, []string{"c1"}, localapi.ErrRefused, `unknown field "privileged"`},
		{"two ids", plainSpec(nil), []string{"c1", "c2"}, localapi.ErrBadRequest, "want exactly one container id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, b, _ := serve(t, policy.Settings{Name: "p"})
			dir, bdir := bundle(t, tt.spec)
			before, _ := os.ReadFile(filepath.Join(bdir, "config.json"))
			_, err := Runtime{Admission: b}.Create(context.Background(), createCall(dir, append([]string{"-b", bdir}, tt.args...)...))
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v; want %v saying %q", err, tt.kind, tt.want)
			}
			if after, _ := os.ReadFile(filepath.Join(bdir, "config.json")); string(after) != string(before) {
				t.Error("a refused create changed the spec")
			}
			if n := len(b.State.Containers()); n != 0 {
				t.Errorf("%d containers in the placement state after a refusal", n)
			}
		})
	}
	_, b, _ := serve(t, policy.Settings{Name: "p"})
	if _, err := (Runtime{Admission: b}).Create(context.Background(), wire.RuntimeCall{Dir: "/", Args: []string{"start", "c1"}}); !errors.Is(err, localapi.ErrBadRequest) {
		t.Errorf("a start sent as create: %v", err)
	}
}

func TestRuntimeCreatedFailures(t *testing.T) {
	_, b, g := serve(t, policy.Settings{Name: "p"})
	rt := Runtime{Admission: b}
	dir, bdir := bundle(t, plainSpec(nil))
	pid := filepath.Join(dir, "pid")
	call := createCall(dir, "--bundle", bdir, "--pid-file", "pid", "c1")
	if err := rt.Created(context.Background(), call); err == nil || !strings.Contains(err.Error(), "register c1: read pid file") {
		t.Errorf("no pid file: %v", err)
	}
	os.WriteFile(pid, []byte(strconv.Itoa(os.Getpid())), 0o644)
	if err := rt.Created(context.Background(), call); !errors.Is(err, localapi.ErrBadRequest) || !errors.Is(err, ErrNotAdmitted) {
		t.Errorf("not admitted: %v", err)
	}
	if err := rt.Created(context.Background(), createCall(dir, "--bundle", bdir, "c1")); !errors.Is(err, localapi.ErrBadRequest) {
		t.Errorf("no --pid-file: %v", err)
	}
	if g.registered != 0 {
		t.Errorf("gate registered %d containers", g.registered)
	}
}
