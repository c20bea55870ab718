package policy

import "fmt"

// SettingsKey is the key under which the daemon's config file holds the
// capacity provider's settings; field paths in errors start with it.
const SettingsKey = "capacityProvider"

// FieldError is a mistake in the settings, named by its field path (such as
// capacityProvider.privilegedCapabilities[1]) and, when it came from YAML,
// the line of the file.
type FieldError struct {
	Path string
	Line int // 0 when unknown
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: %s (line %d)", e.Path, e.Msg, e.Line)
	}
	return e.Path + ": " + e.Msg
}

func fieldErr(path string, line int, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func fieldPath(parts ...string) string {
	p := SettingsKey
	for _, s := range parts {
		if len(s) > 0 && s[0] == '[' {
			p += s
		} else {
			p += "." + s
		}
	}
	return p
}

func index(i int) string { return fmt.Sprintf("[%d]", i) }
