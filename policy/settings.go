package policy

import (
	"errors"
	"fmt"
	"regexp"
)

// TaskPlacement says how many tasks may share the instance.
type TaskPlacement string

// The placements.
const (
	// PlacementMulti (the default) admits containers of any number of tasks.
	PlacementMulti TaskPlacement = "multi"
	// PlacementSingle refuses a container of a second task while any
	// container of another task lives.
	PlacementSingle TaskPlacement = "single"
)

// AllKeyword is the value of privilegedCapabilities that opts in to every
// capability and to what grants privilege beyond capabilities.
const AllKeyword = "ALL"

// Settings are one capacity provider's opt-ins. The zero value is not
// valid (it has no name); use ParseSettings, decode it from YAML, or call
// Validate on a value built in Go.
type Settings struct {
	// Name names the provider in deny reasons.
	Name string
	// TaskPlacement is PlacementMulti or PlacementSingle; empty means multi.
	TaskPlacement TaskPlacement
	// PrivilegedCapabilities are the capabilities outside DefaultCaps that
	// containers may ask for. With AllowAll it is PrivilegedCaps.
	PrivilegedCapabilities CapSet
	// AllowAll is privilegedCapabilities: ALL, which also admits what grants
	// privilege beyond capabilities (host namespaces, all devices, ...).
	AllowAll bool
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$`)

// Validate checks settings built in Go and fills the default placement. It
// returns every mistake, joined, each a *FieldError.
func (s *Settings) Validate() error {
	var errs []error
	if err := validateName(s.Name, 0); err != nil {
		errs = append(errs, err)
	}
	if s.TaskPlacement == "" {
		s.TaskPlacement = PlacementMulti
	}
	if err := validatePlacement(string(s.TaskPlacement), 0); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, s.validateCaps()...)
	return errors.Join(errs...)
}

func (s *Settings) validateCaps() []error {
	path := fieldPath("privilegedCapabilities")
	if s.AllowAll {
		s.PrivilegedCapabilities = PrivilegedCaps
		return nil
	}
	var errs []error
	if d := s.PrivilegedCapabilities & DefaultCaps; d != 0 {
		errs = append(errs, fieldErr(path, 0, "%s in the runtime's default set and always allowed; remove %s",
			isAre(d), pronoun(d)))
	}
	if s.PrivilegedCapabilities&^AllCaps != 0 {
		errs = append(errs, fieldErr(path, 0, "bits past %s are not capabilities", LastCapability))
	}
	return errs
}

func isAre(d CapSet) string {
	if d.Len() == 1 {
		return d.String() + " is"
	}
	return d.String() + " are"
}

func pronoun(d CapSet) string {
	if d.Len() == 1 {
		return "it"
	}
	return "them"
}

func validateName(name string, line int) error {
	if name == "" {
		return fieldErr(fieldPath("name"), line, "is required: the capacity provider's name")
	}
	if !namePattern.MatchString(name) {
		return fieldErr(fieldPath("name"), line,
			"%q is not a valid name: use 1 to 255 letters, digits, '_', '.' or '-', starting with a letter or digit", name)
	}
	return nil
}

func validatePlacement(p string, line int) error {
	switch TaskPlacement(p) {
	case PlacementMulti, PlacementSingle:
		return nil
	}
	return fieldErr(fieldPath("taskPlacement"), line, "invalid value %q; use %q (the default) or %q",
		p, PlacementMulti, PlacementSingle)
}

// Allowed describes what the provider allows, for deny reasons: "ALL",
// "none" or the capability names.
func (s *Settings) Allowed() string {
	if s.AllowAll {
		return AllKeyword
	}
	if s.PrivilegedCapabilities == PrivilegedCaps {
		return "every capability outside the default set, listed one by one (not " + AllKeyword + ")"
	}
	return s.PrivilegedCapabilities.String()
}

// String is a one-line summary for logs.
func (s Settings) String() string {
	return fmt.Sprintf("capacity provider %q: taskPlacement %s, privilegedCapabilities %s",
		s.Name, s.placement(), s.Allowed())
}

func (s *Settings) placement() TaskPlacement {
	if s.TaskPlacement == "" {
		return PlacementMulti
	}
	return s.TaskPlacement
}
