package localapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/moat-sh/moat/daemon/localapi/wire"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeRuntime admits container "ok", refuses "no", cannot decide on any
// other, and registers only "ok".
type fakeRuntime struct{}

func (fakeRuntime) Create(_ context.Context, call wire.RuntimeCall) (wire.RuntimeAnswer, error) {
	switch id := call.Args[len(call.Args)-1]; id {
	case "ok":
		return wire.RuntimeAnswer{ID: id, Extra: []string{"--pid-file", call.Dir + "/pid"}}, nil
	case "no":
		return wire.RuntimeAnswer{}, Refused(errors.New("container no refused by moatd: asks for CAP_SYS_ADMIN"))
	default:
		return wire.RuntimeAnswer{}, errors.New("container " + id + " refused: moatd could not decide")
	}
}

func (fakeRuntime) Created(_ context.Context, call wire.RuntimeCall) error {
	if call.Args[len(call.Args)-1] != "ok" {
		return BadRequest(errors.New("register: not admitted"))
	}
	return nil
}

type recorder struct {
	mu         sync.Mutex
	registered map[string]Container
}

func (r *recorder) Admit(_ context.Context, req AdmitRequest) (AdmitResponse, error) {
	if req.Spec.Process != nil && req.Spec.Process.Capabilities != nil {
		return AdmitResponse{Allowed: false, Reason: "asks for capabilities"}, nil
	}
	if req.ContainerID == "broken" {
		return AdmitResponse{}, errors.New("cannot decide")
	}
	return AdmitResponse{Allowed: true, TaskID: req.ContainerID, CapMask: 1 << 12}, nil
}

func (r *recorder) Register(_ context.Context, c Container) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.registered[c.ID] = c
	return nil
}

func (r *recorder) Unregister(_ context.Context, _, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.registered[id]; !ok {
		return errors.Join(ErrBadRequest, errors.New("unknown container "+id))
	}
	delete(r.registered, id)
	return nil
}

func serve(t *testing.T, b Backend) *Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "moatd.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Handler(b, fakeRuntime{})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return NewClient(sock)
}

func TestAdmitRoundTrip(t *testing.T) {
	c := serve(t, &recorder{registered: map[string]Container{}})
	ctx := context.Background()
	resp, err := c.Admit(ctx, AdmitRequest{ContainerID: "a", Spec: &specs.Spec{Version: "1.2.0"}})
	if err != nil || !resp.Allowed || resp.CapMask != 1<<12 {
		t.Errorf("plain spec: %+v, %v; want allowed with mask", resp, err)
	}
	spec := &specs.Spec{Version: "1.2.0", Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
	resp, err = c.Admit(ctx, AdmitRequest{ContainerID: "b", Spec: spec})
	if err != nil || resp.Allowed || resp.Reason == "" {
		t.Errorf("refused spec: %+v, %v; want a refusal with a reason", resp, err)
	}
	if _, err := c.Admit(ctx, AdmitRequest{ContainerID: "broken", Spec: &specs.Spec{Version: "1.2.0"}}); err == nil ||
		!strings.Contains(err.Error(), "cannot decide") {
		t.Errorf("backend failure: %v, want the backend's message", err)
	}
	if _, err := c.Admit(ctx, AdmitRequest{ContainerID: "c"}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("no spec: %v, want a 400", err)
	}
}

// TestAdmitDecodesTheSpecStrictly: the wrapper sends config.json as it
// is, so moatd is where a field admission cannot see is refused.
func TestAdmitDecodesTheSpecStrictly(t *testing.T) {
	h := Handler(&recorder{registered: map[string]Container{}}, fakeRuntime{})
	for _, tt := range []struct{ spec, want string }{
		{`{"ociVersion":"1.2.0","proces":{}}`, `unknown field \"proces\"`},
		{`{"process":{"args":["sh"]}}`, "ociVersion is missing"},
		{`{"ociVersion":"1.2.0","process":{"args":["sh"],"capabilitiez":{}}}`, `unknown field \"capabilitiez\"`},
	} {
		rec := httptest.NewRecorder()
		body := `{"containerID":"c","source":"runtime","spec":` + tt.spec + `}`
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/admit", strings.NewReader(body)))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("spec %s: %d %s, want a 400 saying %s", tt.spec, rec.Code, rec.Body, tt.want)
		}
	}
}

func TestRegisterAndUnregister(t *testing.T) {
	r := &recorder{registered: map[string]Container{}}
	c := serve(t, r)
	ctx := context.Background()
	if err := c.Register(ctx, Container{ID: "x/y", CgroupID: 42, TaskID: "t"}); err != nil {
		t.Fatal(err)
	}
	if r.registered["x/y"].CgroupID != 42 {
		t.Errorf("registered %+v", r.registered)
	}
	if err := c.Register(ctx, Container{ID: "z"}); err == nil {
		t.Error("register without a cgroup id succeeded")
	}
	if err := c.Unregister(ctx, "default", "x/y"); err != nil {
		t.Fatal(err)
	}
	if err := c.Unregister(ctx, "default", "x/y"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("second unregister: %v, want a 400", err)
	}
}

func TestClientFailsClosedWithoutDaemon(t *testing.T) {
	c := NewClient(filepath.Join(t.TempDir(), "absent.sock"))
	_, err := c.Admit(context.Background(), AdmitRequest{ContainerID: "a", Spec: &specs.Spec{Version: "1.2.0"}})
	if err == nil || !strings.Contains(err.Error(), "is moatd running?") {
		t.Errorf("err %v, want one that says moatd is not reachable", err)
	}
}

// The runtime's calls: NUL-terminated strings in, plain text or
// NUL-terminated strings out, with a status that tells refusals, bad
// requests and failures apart.
func TestRuntimeCalls(t *testing.T) {
	h := Handler(&recorder{registered: map[string]Container{}}, fakeRuntime{})
	for _, tt := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/v1/runtime/create", "/run/b\x00create\x00ok\x00", 200, "ok\x00--pid-file\x00/run/b/pid\x00"},
		{"/v1/runtime/create", "/run/b\x00create\x00no\x00", 403, "container no refused by moatd: asks for CAP_SYS_ADMIN"},
		{"/v1/runtime/create", "/run/b\x00create\x00x\x00", 500, "container x refused: moatd could not decide"},
		{"/v1/runtime/create", "run/b\x00create\x00ok\x00", 400, "must be an absolute path"},
		{"/v1/runtime/create", "/run/b\x00create\x00ok", 400, "no NUL terminator"},
		{"/v1/runtime/create", strings.Repeat("/", wire.MaxRuntimeCall+1), 400, "larger than"},
		{"/v1/runtime/created", "/run/b\x00create\x00ok\x00", 204, ""},
		{"/v1/runtime/created", "/run/b\x00create\x00no\x00", 400, "register: not admitted"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body)))
		if rec.Code != tt.code || rec.Body.String() != tt.want && !strings.Contains(rec.Body.String(), tt.want) || tt.want == "" && rec.Body.Len() > 0 {
			t.Errorf("%s %.40q: %d %q, want %d %q", tt.path, tt.body, rec.Code, rec.Body, tt.code, tt.want)
		}
	}
}
