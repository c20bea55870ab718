package lifecycle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"
)

// Limits and defaults of the lifecycle settings.
const (
	MaxDrainAfter           = 14 * Day
	MinDrainAfter           = time.Hour
	MaxTerminateAfter       = 21 * Day
	DefaultExpectedDrain    = 5 * time.Minute // the longest stop timeout plus margin for reports
	MaxExpectedDrain        = Day
	DefaultVulnerableWithin = Day
	MaxVulnerableWithin     = 3 * Day
	DefaultStopTimeout      = 30 * time.Second
	MaxStopTimeout          = 120 * time.Second
	ExitCodeDrained         = 100 // moatd's exit status after a drain with endAction exit
	configPrefix            = "lifecycle."
)

// EndAction is what moatd does once an instance has drained.
type EndAction string

// The end actions.
const (
	// EndPowerOff powers the instance off through systemd.
	EndPowerOff EndAction = "poweroff"
	// EndExit makes moatd exit with ExitCodeDrained for the orchestrator.
	EndExit EndAction = "exit"
)

// Config is the `lifecycle` block of moatd's configuration, as written.
// Empty fields take their defaults. Durations are strings in the form
// ParseDuration reads (`14d`, `36h`, `1d12h`).
type Config struct {
	LaunchTime         string         `yaml:"launchTime,omitempty"`
	DrainAfter         string         `yaml:"drainAfter,omitempty"`
	TerminateAfter     string         `yaml:"terminateAfter,omitempty"`
	ExpectedDrain      string         `yaml:"expectedDrain,omitempty"`
	VulnerableWithin   string         `yaml:"vulnerableWithin,omitempty"`
	StopTimeout        string         `yaml:"stopTimeout,omitempty"`
	EndAction          string         `yaml:"endAction,omitempty"`
	MaintenanceWindows []WindowConfig `yaml:"maintenanceWindows,omitempty"`
}

// Settings are checked lifecycle settings with every default filled in.
type Settings struct {
	LaunchTime       time.Time     // zero: take it from the first-boot record
	DrainAfter       time.Duration // drain done by launch + DrainAfter
	TerminateAfter   time.Duration // terminate at launch + TerminateAfter
	ExpectedDrain    time.Duration // how long a drain is expected to take
	VulnerableWithin time.Duration // a vulnerable instance waits this long at most for a window
	StopTimeout      time.Duration // stop timeout of a container without the label
	EndAction        EndAction
	Windows          Windows
}

// DefaultSettings are the settings of an empty lifecycle block.
func DefaultSettings() Settings {
	return Settings{
		DrainAfter:       MaxDrainAfter,
		TerminateAfter:   MaxTerminateAfter,
		ExpectedDrain:    DefaultExpectedDrain,
		VulnerableWithin: DefaultVulnerableWithin,
		StopTimeout:      DefaultStopTimeout,
		EndAction:        EndPowerOff,
	}
}

// ParseConfig reads the content of a `lifecycle` block strictly (unknown
// keys and wrong types are errors) and resolves it. Empty input gives the
// defaults.
func ParseConfig(data []byte) (Settings, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Settings{}, fmt.Errorf("lifecycle: %w", err)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return Settings{}, errors.New("lifecycle: more than one YAML document")
	}
	return c.Resolve()
}

// Resolve checks c and fills in the defaults. Its error joins one error per
// bad field, each naming the field (`lifecycle.drainAfter: ...`).
func (c Config) Resolve() (Settings, error) {
	s := DefaultSettings()
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(parseLaunchTime(c.LaunchTime, &s.LaunchTime))
	add(bounded("drainAfter", c.DrainAfter, MinDrainAfter, MaxDrainAfter, &s.DrainAfter))
	add(bounded("terminateAfter", c.TerminateAfter, MinDrainAfter, MaxTerminateAfter, &s.TerminateAfter))
	add(bounded("expectedDrain", c.ExpectedDrain, 0, MaxExpectedDrain, &s.ExpectedDrain))
	add(bounded("vulnerableWithin", c.VulnerableWithin, 0, MaxVulnerableWithin, &s.VulnerableWithin))
	add(bounded("stopTimeout", c.StopTimeout, 0, MaxStopTimeout, &s.StopTimeout))
	add(parseEndAction(c.EndAction, &s.EndAction))
	add(parseWindows(c.MaintenanceWindows, &s.Windows))
	if len(errs) == 0 {
		add(crossCheck(s))
	}
	if len(errs) > 0 {
		return Settings{}, errors.Join(errs...)
	}
	return s, nil
}

func fieldErr(field string, format string, args ...any) error {
	return fmt.Errorf(configPrefix+field+": "+format, args...)
}

// bounded parses a duration field into *dst when it is set, within [lo, hi].
func bounded(field, text string, lo, hi time.Duration, dst *time.Duration) error {
	if text == "" {
		return nil
	}
	d, err := ParseDuration(text)
	if err != nil {
		return fieldErr(field, "%w", err)
	}
	if d > hi {
		return fieldErr(field, "%s is more than the maximum %s", text, FormatDuration(hi))
	}
	if d < lo {
		return fieldErr(field, "%s is less than the minimum %s", text, FormatDuration(lo))
	}
	*dst = d
	return nil
}

func parseLaunchTime(text string, dst *time.Time) error {
	if text == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return fieldErr("launchTime", "%q is not an RFC 3339 time like 2026-11-28T09:00:00Z", text)
	}
	*dst = t.UTC()
	return nil
}

func parseEndAction(text string, dst *EndAction) error {
	switch EndAction(text) {
	case "":
	case EndPowerOff, EndExit:
		*dst = EndAction(text)
	default:
		return fieldErr("endAction", "%q is not one of poweroff, exit", text)
	}
	return nil
}

func parseWindows(wcs []WindowConfig, dst *Windows) error {
	var errs []error
	for i, wc := range wcs {
		w, err := ParseWindow(wc)
		if err != nil {
			errs = append(errs, windowErr(i, err))
			continue
		}
		*dst = append(*dst, w)
	}
	return errors.Join(errs...)
}

// windowErr names the window, and its key when the error is about one.
func windowErr(i int, err error) error {
	field := fmt.Sprintf("maintenanceWindows[%d]", i)
	if ke, ok := errors.AsType[*keyError](err); ok {
		return fieldErr(field+"."+ke.key, "%w", ke.err)
	}
	return fieldErr(field, "%w", err)
}

// crossCheck compares fields with each other once each is valid alone.
func crossCheck(s Settings) error {
	if s.TerminateAfter < s.DrainAfter {
		return fieldErr("terminateAfter", "%s is less than drainAfter %s: termination cannot come before the drain",
			FormatDuration(s.TerminateAfter), FormatDuration(s.DrainAfter))
	}
	if s.ExpectedDrain >= s.DrainAfter {
		return fieldErr("expectedDrain", "%s is not less than drainAfter %s",
			FormatDuration(s.ExpectedDrain), FormatDuration(s.DrainAfter))
	}
	return nil
}
