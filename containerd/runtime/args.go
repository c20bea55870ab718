package runtime

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Invocation is a parsed runc command line.
type Invocation struct {
	Global    []string // the global flags, as given
	Root      string   // --root
	Log       string   // --log
	LogFormat string   // --log-format
	Verb      string   // create, start, delete, ...; empty for none
	Args      []string // everything after the verb, as given
}

// runc's global flags that take a value; the others are booleans.
var globalValueFlags = map[string]bool{
	"log": true, "log-format": true, "root": true, "criu": true, "rootless": true,
}

// ParseInvocation splits runc's arguments (without the program name) into
// global flags, verb and the verb's arguments.
func ParseInvocation(args []string) (Invocation, error) {
	var inv Invocation
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			inv.Verb, inv.Args = a, args[i+1:]
			return inv, nil
		}
		name, value, hasValue := splitFlag(a)
		inv.Global = append(inv.Global, a)
		if !globalValueFlags[name] || hasValue {
			inv.setGlobal(name, value)
			continue
		}
		if i+1 == len(args) {
			return inv, fmt.Errorf("global flag %s needs a value", a)
		}
		i++
		inv.Global = append(inv.Global, args[i])
		inv.setGlobal(name, args[i])
	}
	return inv, nil
}

func (inv *Invocation) setGlobal(name, value string) {
	switch name {
	case "root":
		inv.Root = value
	case "log":
		inv.Log = value
	case "log-format":
		inv.LogFormat = value
	}
}

// Namespace is the containerd namespace: the base name of --root.
func (inv Invocation) Namespace() string {
	if inv.Root == "" {
		return ""
	}
	return filepath.Base(inv.Root)
}

// splitFlag turns "--name=value" or "-name" into its name and value.
func splitFlag(a string) (name, value string, hasValue bool) {
	name = strings.TrimLeft(a, "-")
	name, value, hasValue = strings.Cut(name, "=")
	return name, value, hasValue
}

// CreateArgs are the arguments of runc create that the wrapper reads.
type CreateArgs struct {
	ID          string
	Bundle      string
	PidFile     string
	PreserveFDs int
}

// create's flags that take a value.
var createValueFlags = map[string]bool{
	"bundle": true, "b": true, "console-socket": true, "pid-file": true, "preserve-fds": true,
	"pidfd-socket": true,
}

// ParseCreate reads create's arguments. The bundle defaults to the working
// directory, as in runc.
func ParseCreate(args []string) (CreateArgs, error) {
	var c CreateArgs
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := splitFlag(a)
		if createValueFlags[name] && !hasValue {
			if i+1 == len(args) {
				return c, fmt.Errorf("create: flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		if err := c.set(name, value); err != nil {
			return c, err
		}
	}
	if len(positional) != 1 {
		return c, fmt.Errorf("create: want exactly one container id, got %q", positional)
	}
	c.ID = positional[0]
	if c.Bundle == "" {
		c.Bundle = "."
	}
	return c, nil
}

func (c *CreateArgs) set(name, value string) error {
	switch name {
	case "bundle", "b":
		c.Bundle = value
	case "pid-file":
		c.PidFile = value
	case "preserve-fds":
		if _, err := fmt.Sscan(value, &c.PreserveFDs); err != nil || c.PreserveFDs < 0 {
			return fmt.Errorf("create: --preserve-fds %q is not a count", value)
		}
	}
	return nil
}

// DeleteID returns the container id of delete's arguments.
func DeleteID(args []string) (string, error) {
	var positional []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			positional = append(positional, a)
		}
	}
	if len(positional) != 1 {
		return "", fmt.Errorf("delete: want exactly one container id, got %q", positional)
	}
	return positional[0], nil
}
