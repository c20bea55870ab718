package demo

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/moat-sh/moat/daemon"
	"github.com/moat-sh/moat/demo/result"
	"github.com/moat-sh/moat/vmtests/instance/guest"
	"go.yaml.in/yaml/v3"
)

// TestConfig: demo/config.yaml is a valid moatd configuration that
// enforces every family and points the reporter at the forwarded port.
func TestConfig(t *testing.T) {
	c, err := daemon.LoadConfig("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for family, mode := range c.Modes() {
		if mode != "enforce" {
			t.Errorf("enforcement.%s.mode = %q, want enforce", family, mode)
		}
	}
	if c.Enforcement.SELinux.Mode != "enforcing" || c.Enforcement.SELinux.Policy != policyPath {
		t.Errorf("selinux = %+v, want enforcing with %s", c.Enforcement.SELinux, policyPath)
	}
	u, err := url.Parse(c.Attestation.Endpoint)
	if err != nil || u.Hostname() != "attest.moat.internal" || u.Port() != "8443" {
		t.Errorf("attestation.endpoint = %q, want attest.moat.internal:%d", c.Attestation.Endpoint, attestGuestPort)
	}
	if c.Attestation.InstanceID != InstanceID || c.Attestation.TokenFile != guestDir+"/enrol-token" {
		t.Errorf("attestation = %+v, want instance %s, token in %s", c.Attestation, InstanceID, guestDir)
	}
	if lc := c.LifecycleSettings(); lc.EndAction != "exit" || lc.StopTimeout.Seconds() != 15 {
		t.Errorf("lifecycle = %+v, want endAction exit (no systemd in the VM) and stopTimeout 15s (the scenario's)", lc)
	}
}

// TestUnits: the units file the image carries is one the supervisor
// accepts, moatd reads the data disk's configuration, starts after the
// setup and before containerd (which enters moat_runtime_t only once
// moatd loaded the policy), and no unit that starts after moatd runs a
// shell, which the exec family refuses.
func TestUnits(t *testing.T) {
	b, err := yaml.Marshal(guest.UnitFile{Units: units()})
	if err != nil {
		t.Fatal(err)
	}
	us, err := guest.ParseUnits(b)
	if err != nil {
		t.Fatalf("supervisor refuses the units: %v\n%s", err, b)
	}
	at := map[string]int{}
	for i, u := range us {
		at[u.Name] = i
		if u.Name == "moatd" && strings.Join(u.Args, " ") != "--config "+guestConfig {
			t.Errorf("moatd args %q, want --config %s", u.Args, guestConfig)
		}
		if _, after := at["moatd"]; after && u.Name != "moatd" && strings.HasSuffix(u.Command, "sh") {
			t.Errorf("unit %s runs %s after moatd", u.Name, u.Command)
		}
	}
	if !(at["demo-setup"] < at["moatd"] && at["moatd"] < at["containerd"] && at["containerd"] < at["images"]) {
		t.Errorf("start order %v, want demo-setup, moatd, containerd, images", at)
	}
}

func TestListenAddr(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{`{"time":"x","level":"INFO","msg":"moat-attestd serving","addr":"127.0.0.1:41234","postgres":false}`, "127.0.0.1:41234"},
		{`{"msg":"moat-attestd stopped","addr":"127.0.0.1:1"}`, ""},
		{`not json`, ""},
	} {
		if got := listenAddr(tt.line); got != tt.want {
			t.Errorf("listenAddr(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestLineTee: result lines split across writes are kept, the rest is
// narration, indented.
func TestLineTee(t *testing.T) {
	var out bytes.Buffer
	tee := &lineTee{out: &out}
	pass := result.Result{ID: "root", OK: true, Promise: "p", Evidence: "EROFS"}.String()
	for _, chunk := range []string{"[ 0.1s] hello\n" + pass[:5], pass[5:] + "\nFAIL exec: q: sh ran", "\ntail"} {
		tee.Write([]byte(chunk))
	}
	tee.flush()
	if len(tee.results) != 2 || !tee.results[0].OK || tee.results[1].ID != "exec" || tee.results[1].OK {
		t.Fatalf("results %+v, want root PASS then exec FAIL", tee.results)
	}
	if want := "    [ 0.1s] hello\n" + pass + "\nFAIL exec: q: sh ran\n    tail\n"; out.String() != want {
		t.Errorf("output\n%q\nwant\n%q", out.String(), want)
	}
}

// TestSummary: failures are counted and named.
func TestSummary(t *testing.T) {
	o := Outcome{Results: []result.Result{{ID: "a", OK: true, Promise: "pa"}, {ID: "b", Promise: "pb"}}}
	var out bytes.Buffer
	PrintSummary(&out, o)
	if o.Failed() != 1 || !strings.Contains(out.String(), "FAIL  b") || !strings.Contains(out.String(), "1 of 2 promises held; 1 failed") {
		t.Errorf("summary:\n%s", out.String())
	}
}
