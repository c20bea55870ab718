package status

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func sample() Status {
	drainAt := now.Add(3*24*time.Hour + 4*time.Hour)
	return Status{
		Version: "0.1.0", InstanceID: "i-0abc", Provider: "web", Placement: "multi",
		Families: []Family{{"root", "enforce", 3}, {"exec", "enforce", 1}, {"caps", "audit", 0}, {"tamper", "enforce", 0}},
		SELinux:  SELinux{Mode: "enforcing", PolicySHA256: "9f2c4e1b7a8d3c6e5f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6"},
		Tasks: []Task{
			{ID: "task-a", Containers: []string{"a1", "a2"}, MCS: "s0:c1,c2"},
			{ID: "task-b", Containers: []string{"b1"}, MCS: "s0:c3,c4", Capabilities: []string{"CAP_NET_ADMIN"}},
		},
		Lifetime: Lifetime{
			LaunchTime: now.Add(-10 * 24 * time.Hour), DrainBy: now.Add(4 * 24 * time.Hour),
			TerminateBy: now.Add(11 * 24 * time.Hour),
			NextWindow:  &Window{Start: drainAt, End: drainAt.Add(4 * time.Hour)},
			DrainAt:     &drainAt, DrainReason: "schedule",
		},
		Reporting: Reporting{Endpoint: "https://attest.example:8443", LastDelivered: now.Add(-42 * time.Second), SpoolDepth: 0},
	}
}

func TestWriteTableGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sample(), now); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "status.txt")
	if *update {
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("table differs from %s (go test -update to rewrite):\n%s", golden, b.String())
	}
}

type fixed Status

func (f fixed) Status(context.Context) Status { return Status(f) }

// operated is a source that also takes operator requests.
type operated struct {
	fixed
	reloadErr error
	drained   bool
}

func (o *operated) Reload(context.Context) error { return o.reloadErr }
func (o *operated) RequestDrain(context.Context) error {
	o.drained = true
	return nil
}

func TestCLIReloadAndDrain(t *testing.T) {
	op := &operated{fixed: fixed(sample()), reloadErr: errors.New("enforcement.caps.mode: \"x\" is not a mode")}
	sock := filepath.Join(t.TempDir(), "status.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Handler(op, NewBroadcaster())}
	go srv.Serve(l)
	defer srv.Close()
	var out, errb bytes.Buffer
	if code := CLI([]string{"--socket", sock, "reload"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "is not a mode") {
		t.Errorf("reload refused: exit %d, stderr %q", code, errb.String())
	}
	if code := CLI([]string{"--socket", sock, "drain"}, &out, &errb); code != 0 || !op.drained {
		t.Errorf("drain: exit %d, drained %v", code, op.drained)
	}
}

func serve(t *testing.T, b *Broadcaster) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "status.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Handler(fixed(sample()), b)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return sock
}

func TestCLIStatus(t *testing.T) {
	sock := serve(t, NewBroadcaster())
	var out, errb bytes.Buffer
	if code := CLI([]string{"--socket", sock, "status"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"i-0abc", "task-b", "CAP_NET_ADMIN", "enforcing", "drain by"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("moat status lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := CLI([]string{"--socket", sock, "status", "--json"}, &out, &errb); code != 0 || !strings.Contains(out.String(), `"instanceID": "i-0abc"`) {
		t.Errorf("moat status --json: exit %d, %s", code, out.String())
	}
}

func TestCLIWithoutDaemon(t *testing.T) {
	var out, errb bytes.Buffer
	code := CLI([]string{"--socket", filepath.Join(t.TempDir(), "none"), "status"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "is moatd running?") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if code := CLI([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

func TestEventsFollow(t *testing.T) {
	b := NewBroadcaster()
	sock := serve(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan string, 4)
	go NewClient(sock).Events(ctx, func(raw []byte) error {
		got <- string(raw)
		return nil
	})
	rec := Record{Time: now, Rule: "exec", Hook: "bprm_check_security", Verdict: "denied", Tgid: 7, Comm: "sh", Path: "/bin/sh"}
	deadline := time.After(5 * time.Second)
	for {
		b.Publish(rec) // until the subscriber is there
		select {
		case line := <-got:
			if !strings.Contains(line, `"path":"/bin/sh"`) {
				t.Errorf("event line %s", line)
			}
			return
		case <-deadline:
			t.Fatal("no event reached the client")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestBroadcasterCountsDrops(t *testing.T) {
	b := NewBroadcaster()
	_, stop := b.Subscribe()
	defer stop()
	for i := 0; i < 300; i++ {
		b.Publish(Record{})
	}
	if b.Dropped() != 300-256 {
		t.Errorf("dropped %d, want %d", b.Dropped(), 300-256)
	}
}

func TestFormatRecord(t *testing.T) {
	r := Record{Time: now, Rule: "caps", Hook: "capable", Verdict: "denied", Tgid: 9, Comm: "ip", UID: 0, Capability: "CAP_NET_ADMIN", Container: "web-1"}
	want := `2026-11-28T10:00:00Z denied  caps   capable pid=9 comm="ip" uid=0 container=web-1 cap=CAP_NET_ADMIN`
	if got := FormatRecord(r); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
