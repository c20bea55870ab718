package daemon

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, doc string) *Config {
	t.Helper()
	c, err := ParseConfig([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReloadRefusesKeysThatNeedARestart(t *testing.T) {
	base := "capacityProvider: {name: a}\n"
	old := mustParse(t, base)
	tests := []struct {
		name, doc string
		want      string
	}{
		{"capacity provider may change", base + "", ""},
		{"privileged caps may change", "capacityProvider: {name: a, privilegedCapabilities: [CAP_NET_ADMIN]}\n", ""},
		{"family mode may change", base + "enforcement: {caps: {mode: audit}}\n", ""},
		{"lifecycle may change", base + "lifecycle: {drainAfter: 7d}\n", ""},
		{"state dir", base + "stateDir: /var/lib/other\n", "stateDir cannot change on reload"},
		{"sockets", base + "api: {socket: /run/x.sock}\n", "api cannot change on reload"},
		{"attestation", base + "attestation: {endpoint: 'https://a:1'}\n", "attestation cannot change"},
		{"selinux off", base + "enforcement: {selinux: {mode: 'off'}}\n", "cannot turn SELinux on or off"},
		{"selinux permissive", base + "enforcement: {selinux: {mode: permissive}}\n", ""},
	}
	for _, tt := range tests {
		err := fixed(old, mustParse(t, tt.doc))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestFamilyOfEveryCheck(t *testing.T) {
	for check, want := range map[string]string{
		"root-write": "root", "root-mount": "root", "root-block-device": "root",
		"exec-unprotected": "exec", "exec-denylist": "exec",
		"capability": "caps", "capability-bpf": "caps",
		"tamper-bpf": "tamper", "tamper-signal": "tamper", "tamper-kernel-load": "tamper",
	} {
		if got := family(check); got != want {
			t.Errorf("family(%q) = %q, want %q", check, got, want)
		}
	}
}

func TestBPFConfigFromEnforcement(t *testing.T) {
	c := mustParse(t, "capacityProvider: {name: a}\nenforcement: {root: {mode: audit, protect: [/, /usr], mountAllow: [/run]}, exec: {deny: [/no/such/file, sh]}, tamper: {mode: 'off'}}\n")
	bc, err := bpfConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if bc.Root.String() != "audit" || bc.Tamper.String() != "off" || bc.Caps.String() != "enforce" {
		t.Errorf("modes %v %v %v", bc.Root, bc.Tamper, bc.Caps)
	}
	if len(bc.Protected) != 2 || bc.MountAllow[0] != "/run" || bc.Guarded[0] != "/var/lib/moat" {
		t.Errorf("lists %+v", bc)
	}
	for _, p := range bc.ExecDeny {
		if p == "/no/such/file" {
			t.Error("a denylist path that does not exist was kept")
		}
	}
}
