package guest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// Unit types, as in systemd's Type=.
const (
	TypeSimple  = "simple"  // active once started
	TypeNotify  = "notify"  // active once it sent READY=1
	TypeOneshot = "oneshot" // done once it exited 0
)

// Restart policies, as in systemd's Restart=.
const (
	RestartAlways = "always"
	RestartNo     = "no"
)

// Unit is one service of the instance.
type Unit struct {
	Name      string   `yaml:"name" json:"name"`
	Command   string   `yaml:"command" json:"command"` // absolute path
	Args      []string `yaml:"args,omitempty" json:"args,omitempty"`
	Env       []string `yaml:"env,omitempty" json:"env,omitempty"` // KEY=VALUE
	Type      string   `yaml:"type,omitempty" json:"type,omitempty"`
	Restart   string   `yaml:"restart,omitempty" json:"restart,omitempty"`
	Watchdog  int      `yaml:"watchdogSec,omitempty" json:"watchdogSec,omitempty"`
	DependsOn []string `yaml:"dependsOn,omitempty" json:"dependsOn,omitempty"`
	// RestartPrevent lists exit codes after which a restart: always unit
	// is done, not restarted (systemd's RestartPreventExitStatus), e.g.
	// moatd's documented exit after a drain.
	RestartPrevent []int `yaml:"restartPreventExitStatus,omitempty" json:"restartPreventExitStatus,omitempty"`
	// StartTimeout bounds the wait for READY=1 (notify) or the exit
	// (oneshot), in seconds; 0 means 90.
	StartTimeout int `yaml:"startTimeoutSec,omitempty" json:"startTimeoutSec,omitempty"`
}

// UnitFile is the file's shape: {units: [...]}.
type UnitFile struct {
	Units []Unit `yaml:"units" json:"units"`
}

var unitName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// LoadUnits reads and checks a unit file.
func LoadUnits(path string) ([]Unit, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	units, err := ParseUnits(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return units, nil
}

// ParseUnits parses a unit file strictly, fills in the defaults and
// checks every unit; the order of the result is a valid start order.
func ParseUnits(b []byte) ([]Unit, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f UnitFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse units: %w", err)
	}
	if len(f.Units) == 0 {
		return nil, errors.New("units: the list is empty")
	}
	seen := map[string]bool{}
	for i := range f.Units {
		u := &f.Units[i]
		u.defaults()
		if err := u.check(i, seen); err != nil {
			return nil, err
		}
		seen[u.Name] = true
	}
	return f.Units, nil
}

func (u *Unit) defaults() {
	if u.Type == "" {
		u.Type = TypeSimple
	}
	if u.Restart == "" {
		u.Restart = RestartNo
	}
	if u.StartTimeout == 0 {
		u.StartTimeout = 90
	}
}

// check validates one unit; seen holds the units before it, so that a
// dependency must come earlier in the list (no cycles by construction).
func (u *Unit) check(i int, seen map[string]bool) error {
	at := fmt.Sprintf("units[%d]", i)
	switch {
	case !unitName.MatchString(u.Name):
		return fmt.Errorf("%s.name: %q is not a lowercase name of letters, digits and '-'", at, u.Name)
	case seen[u.Name]:
		return fmt.Errorf("%s.name: %q appears twice", at, u.Name)
	case len(u.Command) == 0 || u.Command[0] != '/':
		return fmt.Errorf("%s.command: %q is not an absolute path", at, u.Command)
	case u.Type != TypeSimple && u.Type != TypeNotify && u.Type != TypeOneshot:
		return fmt.Errorf("%s.type: %q is not simple, notify or oneshot", at, u.Type)
	case u.Restart != RestartAlways && u.Restart != RestartNo:
		return fmt.Errorf("%s.restart: %q is not always or no", at, u.Restart)
	case u.Type == TypeOneshot && u.Restart == RestartAlways:
		return fmt.Errorf("%s.restart: a oneshot unit cannot restart always", at)
	case u.Watchdog < 0 || u.Watchdog > 3600:
		return fmt.Errorf("%s.watchdogSec: %d is outside 0..3600", at, u.Watchdog)
	case u.StartTimeout < 0 || u.StartTimeout > 3600:
		return fmt.Errorf("%s.startTimeoutSec: %d is outside 0..3600", at, u.StartTimeout)
	}
	for _, c := range u.RestartPrevent {
		if c < 1 || c > 255 {
			return fmt.Errorf("%s.restartPreventExitStatus: %d is outside 1..255", at, c)
		}
	}
	for _, d := range u.DependsOn {
		if !seen[d] {
			return fmt.Errorf("%s.dependsOn: %q is not a unit listed before %q", at, d, u.Name)
		}
	}
	for _, kv := range u.Env {
		if k, _, ok := bytes.Cut([]byte(kv), []byte("=")); !ok || len(k) == 0 {
			return fmt.Errorf("%s.env: %q is not KEY=VALUE", at, kv)
		}
	}
	return nil
}

// watchdog returns the unit's watchdog interval, 0 for none.
func (u Unit) watchdog() time.Duration { return time.Duration(u.Watchdog) * time.Second }

func (u Unit) startTimeout() time.Duration { return time.Duration(u.StartTimeout) * time.Second }
