package selinux

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// header builds the start of a binary policy.
func header(magic uint32, target string, version, config uint32) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, magic)
	b = le.AppendUint32(b, uint32(len(target)))
	b = append(b, target...)
	b = le.AppendUint32(b, version)
	b = le.AppendUint32(b, config)
	return append(b, make([]byte, 16)...) // symbol counts and beyond
}

// goodPolicy writes a file with a header Verify accepts.
func goodPolicy(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "moat.pol")
	if err := os.WriteFile(path, header(policyMagic, policyTarget, 33, configMLS), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string // in the error; "" for none
	}{
		{"moat's", header(policyMagic, policyTarget, 33, configMLS), ""},
		{"version 31", header(policyMagic, policyTarget, 31, configMLS), ""},
		{"empty", nil, "too short"},
		{"text", []byte("(handleunknown deny)\n(mls true)\n(sensitivity s0)\n"), "magic"},
		{"xen", header(policyMagic, "XenFlask", 33, configMLS), "target"},
		{"too new", header(policyMagic, policyTarget, 34, configMLS), "version is 34"},
		{"too old", header(policyMagic, policyTarget, 24, configMLS), "version is 24"},
		{"no mls", header(policyMagic, policyTarget, 33, 0), "mls is off"},
		{"allow unknown", header(policyMagic, policyTarget, 33, configMLS|configAllow), "handle_unknown is allow"},
		{"reject unknown", header(policyMagic, policyTarget, 33, configMLS|configReject), "handle_unknown is reject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.pol")
			os.WriteFile(path, c.data, 0o644)
			_, err := Verify(path)
			if c.want == "" && err != nil {
				t.Fatalf("Verify: %v, want nil", err)
			}
			if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path)) {
				t.Fatalf("Verify: %v, want an error naming %s and %q", err, path, c.want)
			}
		})
	}
}

func TestLoadRefusesUnverified(t *testing.T) {
	k, fs := fakeKernel{selinux: true, enforce: "0"}.build(t)
	bad := filepath.Join(t.TempDir(), "allow.pol")
	os.WriteFile(bad, header(policyMagic, policyTarget, 33, configMLS|configAllow), 0o644)
	if err := k.load(bad); err == nil || !strings.Contains(err.Error(), "handle_unknown") {
		t.Fatalf("load of an allow-unknown policy: %v, want a verify error", err)
	}
	if got, _ := os.ReadFile(filepath.Join(fs, "load")); len(got) != 0 {
		t.Fatalf("a refused policy reached selinuxfs (%d bytes)", len(got))
	}
}
