package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestApplyLabelsJSON(t *testing.T) {
	tests := []struct {
		name, spec     string
		process, mount string
		changed        bool
		wantP, wantM   string
	}{
		{"no labels keeps the spec", `{"ociVersion":"1.2.0","process":{"selinuxLabel":"own"}}`, "", "", false, "own", ""},
		{"sets both", `{"ociVersion":"1.2.0"}`, "p", "m", true, "p", "m"},
		{"null sections", `{"ociVersion":"1.2.0","process":null,"linux":null}`, "p", "m", true, "p", "m"},
		{"same labels", `{"ociVersion":"1.2.0","process":{"selinuxLabel":"p"},"linux":{"mountLabel":"m"}}`, "p", "m", false, "p", "m"},
		{"overrides", `{"ociVersion":"1.2.0","process":{"args":["sh"],"selinuxLabel":"unconfined"}}`, "p", "", true, "p", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changed, err := ApplyLabelsJSON([]byte(tt.spec), tt.process, tt.mount)
			if err != nil || changed != tt.changed {
				t.Fatalf("changed %v, %v; want %v", changed, err, tt.changed)
			}
			s, err := DecodeSpec(out)
			if err != nil {
				t.Fatalf("labelled spec %s: %v", out, err)
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
	if _, _, err := ApplyLabelsJSON([]byte(`{"process":[1]}`), "p", ""); err == nil {
		t.Error("a process that is not an object was labelled")
	}
}

func TestWriteSpecRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSpec(dir, []byte(`{"ociVersion":"1.2.0","process":{"args":["sh"],"selinuxLabel":"p"}}`)); err != nil {
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
	if data, spec, err := LoadSpec(dir); err != nil || spec.Process.SelinuxLabel != "p" || !strings.Contains(string(data), `"selinuxLabel":"p"`) {
		t.Errorf("load: %q, %+v, %v", data, spec, err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"ociVersion":`), 0o644)
	if _, _, err := LoadSpec(dir); err == nil || !strings.Contains(err.Error(), "malformed OCI spec") {
		t.Errorf("load of broken JSON: %v", err)
	}
}
