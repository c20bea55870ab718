package bpf

import (
	"math/bits"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Mode
		ok   bool
	}{
		{"off", ModeOff, true}, {"audit", ModeAudit, true}, {"enforce", ModeEnforce, true},
		{"Enforce", ModeOff, false}, {"", ModeOff, false},
	} {
		got, err := ParseMode(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // substring of the error; "" for valid
	}{
		{"defaults", Config{Root: ModeEnforce}, ""},
		{"full", Config{Root: ModeAudit, Exec: ModeEnforce, Protected: []string{"/", "/usr"},
			MountAllow: []string{"/run"}, ExecDeny: []string{"/bin/sh"}, PinDir: "/sys/fs/bpf/x"}, ""},
		{"bad mode", Config{Caps: Mode(7)}, "Caps: mode 7"},
		{"relative protected", Config{Protected: []string{"usr"}}, `Protected[0]: "usr"`},
		{"relative deny", Config{ExecDeny: []string{"/bin/sh", "sh"}}, `ExecDeny[1]: "sh"`},
		{"empty cgroup", Config{ExecAllowCgroups: []string{""}}, "ExecAllowCgroups[0]"},
		{"relative pin dir", Config{PinDir: "moat"}, "PinDir[0]"},
		{"nothing protected", Config{Exec: ModeEnforce, Protected: []string{}}, "Protected: empty"},
	} {
		err := tc.cfg.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want valid", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
}

func TestDefaultCaps(t *testing.T) {
	if n := bits.OnesCount64(DefaultCaps); n != 14 {
		t.Errorf("DefaultCaps has %d capabilities, want the runtime's 14", n)
	}
	for _, c := range []int{CapNetAdmin, CapSysAdmin, CapBPF} {
		if DefaultCaps&CapMask(c) != 0 {
			t.Errorf("DefaultCaps holds privileged capability %d", c)
		}
	}
}

// TestEveryProgramHasAFamily keeps families.go in step with the C files.
func TestEveryProgramHasAFamily(t *testing.T) {
	spec, err := loadMoat()
	if err != nil {
		t.Fatal(err)
	}
	for name := range spec.Programs {
		if len(programFamilies[name]) == 0 {
			t.Errorf("program %s belongs to no family", name)
		}
	}
	for name := range programFamilies {
		if spec.Programs[name] == nil {
			t.Errorf("families.go names %s, which the object lacks", name)
		}
	}
	if (Config{Exec: ModeAudit}).wanted(moatProgMoatFileOpen) || !(Config{Tamper: ModeEnforce}).wanted(moatProgMoatBpf) {
		t.Error("wanted does not follow the families' modes")
	}
}

func TestNames(t *testing.T) {
	for r := moatRule(1); r < moatRuleRULE_MAX; r++ {
		if strings.HasPrefix(r.String(), "Rule(") {
			t.Errorf("rule %d has no name", r)
		}
	}
	for h := moatHook(1); h <= moatHookHOOK_FILE_MPROTECT; h++ {
		if strings.HasPrefix(h.String(), "Hook(") {
			t.Errorf("hook %d has no name", h)
		}
	}
}

func TestCheckPaths(t *testing.T) {
	cfg := Config{Protected: []string{"/"}, ExecDeny: []string{"/", "/no/such/moat/file"}}
	err := cfg.checkPaths()
	if err == nil || !strings.Contains(err.Error(), "ExecDeny[1]") {
		t.Errorf("checkPaths: %v, want an error naming ExecDeny[1]", err)
	}
	if err := (Config{Protected: []string{"/"}}).checkPaths(); err != nil {
		t.Errorf("checkPaths of /: %v", err)
	}
}
