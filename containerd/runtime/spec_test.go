package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDecodeSpec(t *testing.T) {
	tests := []struct {
		name, data, err string
	}{
		{"minimal", `{"ociVersion":"1.2.0","process":{"args":["sh"],"cwd":"/"}}`, ""},
		{"not json", `{"ociVersion":`, "unexpected EOF"},
		{"unknown field", `{"ociVersion":"1.2.0","procces":{}}`, `unknown field "procces"`},
		{"wrong type", `{"ociVersion":"1.2.0","process":{"args":"sh"}}`, "cannot unmarshal"},
		{"trailing", `{"ociVersion":"1.2.0"} {}`, "trailing data"},
		{"no version", `{"process":{"cwd":"/"}}`, "ociVersion is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSpec([]byte(tt.data))
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("err %v, want %q", err, tt.err)
			}
		})
	}
}

func TestReadSpecNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{nope"), 0o644)
	_, err := ReadSpec(dir)
	if err == nil || !strings.Contains(err.Error(), "malformed OCI spec "+filepath.Join(dir, "config.json")) {
		t.Errorf("err %v, want one naming the file", err)
	}
	if _, err := ReadSpec(t.TempDir()); err == nil {
		t.Error("missing config.json read")
	}
}

func TestApplyLabels(t *testing.T) {
	tests := []struct {
		name           string
		spec           specs.Spec
		process, mount string
		changed        bool
		wantP, wantM   string
	}{
		{"no labels keeps the spec", specs.Spec{Process: &specs.Process{SelinuxLabel: "own"}}, "", "", false, "own", ""},
		{"sets both", specs.Spec{}, "p", "m", true, "p", "m"},
		{"same labels", specs.Spec{Process: &specs.Process{SelinuxLabel: "p"}, Linux: &specs.Linux{MountLabel: "m"}}, "p", "m", false, "p", "m"},
		{"overrides", specs.Spec{Process: &specs.Process{SelinuxLabel: "unconfined"}}, "p", "", true, "p", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.spec
			if got := ApplyLabels(&s, tt.process, tt.mount); got != tt.changed {
				t.Errorf("changed %v, want %v", got, tt.changed)
			}
			var p, m string
			if s.Process != nil {
				p = s.Process.SelinuxLabel
			}
			if s.Linux != nil {
				m = s.Linux.MountLabel
			}
			if p != tt.wantP || m != tt.wantM {
				t.Errorf("labels %q %q, want %q %q", p, m, tt.wantP, tt.wantM)
			}
		})
	}
}

func TestWriteSpecRoundTrip(t *testing.T) {
	dir := t.TempDir()
	spec := &specs.Spec{Version: "1.2.0", Process: &specs.Process{Args: []string{"sh"}, SelinuxLabel: "p"}}
	if err := WriteSpec(dir, spec); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSpec(dir)
	if err != nil || got.Process.SelinuxLabel != "p" || got.Process.Args[0] != "sh" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("bundle holds %d files, want config.json alone", len(entries))
	}
}
