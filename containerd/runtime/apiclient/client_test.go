package apiclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/daemon/localapi"
)

// backend answers from fields and records what it was asked: it is both
// moatd's Backend (of which the client uses Unregister) and its Runtime.
type backend struct {
	answer       RuntimeAnswer
	err          error
	calls        []string
	unregistered []string
}

func (b *backend) Admit(context.Context, localapi.AdmitRequest) (localapi.AdmitResponse, error) {
	return localapi.AdmitResponse{}, errors.New("the runtime does not call admit")
}

func (b *backend) Register(context.Context, localapi.Container) error {
	return errors.New("the runtime does not call register")
}

func (b *backend) Unregister(_ context.Context, ns, id string) error {
	b.unregistered = append(b.unregistered, ns+"|"+id)
	return b.err
}

func (b *backend) Create(_ context.Context, call RuntimeCall) (RuntimeAnswer, error) {
	b.calls = append(b.calls, "create "+call.Dir+" "+strings.Join(call.Args, " "))
	return b.answer, b.err
}

func (b *backend) Created(_ context.Context, call RuntimeCall) error {
	b.calls = append(b.calls, "created "+call.Dir+" "+strings.Join(call.Args, " "))
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
	srv := &http.Server{Handler: localapi.Handler(b, b)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return New(path)
}

func TestRuntimeCallsAgainstLocalAPI(t *testing.T) {
	b := &backend{answer: RuntimeAnswer{ID: "c1", Extra: []string{"--pid-file", "/b/moat-init.pid"}}}
	c := serve(t, b)
	call := RuntimeCall{Dir: "/run/x", Args: []string{"--root", "/r/default", "create", "--bundle", "b", "c1"}}
	ans, err := c.RuntimeCreate(context.Background(), call)
	if err != nil || !reflect.DeepEqual(ans, b.answer) {
		t.Fatalf("answer %+v, %v; want %+v", ans, err, b.answer)
	}
	if err := c.RuntimeCreated(context.Background(), call); err != nil {
		t.Fatal(err)
	}
	want := []string{"create /run/x --root /r/default create --bundle b c1", "created /run/x --root /r/default create --bundle b c1"}
	if !reflect.DeepEqual(b.calls, want) {
		t.Errorf("moatd was called %q, want %q", b.calls, want)
	}
}

// A refusal's error is moatd's message, as it is.
func TestRuntimeRefusalIsTheMessage(t *testing.T) {
	msg := "container c1 refused by moatd: it asks for CAP_SYS_ADMIN"
	c := serve(t, &backend{err: localapi.Refused(errors.New(msg))})
	_, err := c.RuntimeCreate(context.Background(), RuntimeCall{Dir: "/", Args: []string{"create", "c1"}})
	if err == nil || err.Error() != msg {
		t.Errorf("error %v, want %q", err, msg)
	}
	if _, ok := errors.AsType[*NoAnswerError](err); ok {
		t.Error("a refusal is a NoAnswerError")
	}
}

func TestUnregister(t *testing.T) {
	b := &backend{}
	c := serve(t, b)
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

func TestNoMoatd(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "absent.sock"))
	_, err := c.RuntimeCreate(context.Background(), RuntimeCall{Dir: "/", Args: []string{"create", "c1"}})
	if _, ok := errors.AsType[*NoAnswerError](err); !ok || !strings.Contains(err.Error(), "is moatd running?") || !strings.Contains(err.Error(), "absent.sock") {
		t.Errorf("error %v, want a NoAnswerError naming the socket and asking whether moatd runs", err)
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
	err := c.RuntimeCreated(ctx, RuntimeCall{Dir: "/", Args: []string{"create", "c1"}})
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
