package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/daemon/localapi"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// backend answers from fields and records what it was asked.
type backend struct {
	resp         localapi.AdmitResponse
	err          error
	asked        []localapi.AdmitRequest
	registered   []localapi.Container
	unregistered []string
}

func (b *backend) Admit(_ context.Context, r localapi.AdmitRequest) (localapi.AdmitResponse, error) {
	b.asked = append(b.asked, r)
	return b.resp, b.err
}

func (b *backend) Register(_ context.Context, c localapi.Container) error {
	b.registered = append(b.registered, c)
	return b.err
}

func (b *backend) Unregister(_ context.Context, ns, id string) error {
	b.unregistered = append(b.unregistered, ns+"|"+id)
	return b.err
}

// serve runs localapi.Handler over b on a new unix socket.
func serve(t *testing.T, b *backend) *Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "moatd.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: localapi.Handler(b)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return New(path)
}

func TestAdmitAgainstLocalAPI(t *testing.T) {
	b := &backend{resp: localapi.AdmitResponse{Allowed: true, TaskID: "t1",
		ProcessLabel: "system_u:system_r:moat_t:s0", MountLabel: "system_u:object_r:moat_file_t:s0", CapMask: 1<<12 | 1<<21}}
	c := serve(t, b)
	spec := &specs.Spec{Version: "1.0.2", Process: &specs.Process{Args: []string{"/bin/true"}}}
	raw := json.RawMessage(`{"ociVersion":"1.0.2","process":{"args":["/bin/true"]}}`)
	resp, err := c.Admit(context.Background(), AdmitRawRequest{ContainerID: "c1", Namespace: "default", Source: "runtime", Spec: raw})
	if err != nil {
		t.Fatal(err)
	}
	want := b.resp
	if resp != want {
		t.Errorf("answer %+v, want %+v", resp, want)
	}
	if len(b.asked) != 1 || b.asked[0].ContainerID != "c1" || b.asked[0].Namespace != "default" ||
		b.asked[0].Source != "runtime" || !reflect.DeepEqual(b.asked[0].Spec, spec) {
		t.Errorf("moatd was asked %+v", b.asked)
	}
}

func TestRegisterAndUnregister(t *testing.T) {
	b := &backend{}
	c := serve(t, b)
	ctr := Container{ID: "c1", Namespace: "k8s.io", TaskID: "t1", CgroupID: 4242, Pid: 17, CapMask: 1 << 12}
	if err := c.Register(context.Background(), ctr); err != nil {
		t.Fatal(err)
	}
	if len(b.registered) != 1 || b.registered[0] != ctr {
		t.Errorf("registered %+v, want %+v", b.registered, ctr)
	}
	if err := c.Unregister(context.Background(), "a b&c", "id/with?odd#chars"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a b&c|id/with?odd#chars"}; !reflect.DeepEqual(b.unregistered, want) {
		t.Errorf("unregistered %q, want %q", b.unregistered, want)
	}
}

func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"server error", errors.New("placement is full"), "moatd: DELETE /v1/containers/x?namespace=ns: 500 Internal Server Error: placement is full"},
		{"bad request", errors.Join(localapi.ErrBadRequest, errors.New("no such task")), "400 Bad Request: bad request\nno such task"},
		// beyond net/http's 2 KiB buffer, which an HTTP/1.1 answer would chunk
		{"long answer", errors.New(strings.Repeat("x", 10000) + "end"), strings.Repeat("x", 10000) + "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serve(t, &backend{err: tt.err})
			err := c.Unregister(context.Background(), "ns", "x")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRefusedAdmissionIsNotAnError(t *testing.T) {
	c := serve(t, &backend{resp: localapi.AdmitResponse{Reason: "CAP_SYS_ADMIN is not granted"}})
	resp, err := c.Admit(context.Background(), AdmitRawRequest{ContainerID: "c1", Spec: json.RawMessage(`{"ociVersion":"1.0.2"}`)})
	if err != nil || resp.Allowed || resp.Reason != "CAP_SYS_ADMIN is not granted" {
		t.Errorf("answer %+v, %v; want a refusal with its reason", resp, err)
	}
}

func TestNoMoatd(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "absent.sock"))
	_, err := c.Admit(context.Background(), AdmitRawRequest{ContainerID: "c1", Spec: json.RawMessage(`{"ociVersion":"1.0.2"}`)})
	if err == nil || !strings.Contains(err.Error(), "is moatd running?") || !strings.Contains(err.Error(), "absent.sock") {
		t.Errorf("error %v, want one naming the socket and asking whether moatd runs", err)
	}
}

// silent accepts connections and never answers.
func silent(t *testing.T) *Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "silent.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return New(path)
}

func TestDeadlineBoundsTheCall(t *testing.T) {
	c := silent(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	err := c.Register(ctx, Container{ID: "c1", CgroupID: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("the call took %v past a 100ms deadline", d)
	}
}

func TestCancelEndsTheCall(t *testing.T) {
	c := silent(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err := c.Unregister(ctx, "ns", "c1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want one wrapping context.Canceled", err)
	}
}
