package wire

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// RuntimeCall is a runc command line that the runtime (moat-runc, or
// moat-runtime) hands to moatd around runc create: the directory it runs
// in, for relative paths, and its arguments without the program name.
//
// Its body, and that of the answer to create (RuntimeAnswer), is a list
// of NUL-terminated strings, not JSON: the front that sends it is C, and
// a command line has no other character that cannot occur in it.
type RuntimeCall struct {
	Dir  string
	Args []string
}

// RuntimeAnswer is moatd's answer to an allowed create: the container's
// id and the arguments to add right after "create" (a --pid-file when
// the command line gives none).
type RuntimeAnswer struct {
	ID    string
	Extra []string
}

// MaxRuntimeCall bounds a RuntimeCall's body.
const MaxRuntimeCall = 64 << 10

// ErrNoPath is a RuntimeCall whose directory is not absolute.
var ErrNoPath = errors.New("runtime call: the directory must be an absolute path")

// MarshalBinary encodes the call.
func (c RuntimeCall) MarshalBinary() ([]byte, error) {
	return joinNUL(append([]string{c.Dir}, c.Args...))
}

// UnmarshalBinary decodes a call.
func (c *RuntimeCall) UnmarshalBinary(b []byte) error {
	f, err := splitNUL(b)
	if err != nil {
		return fmt.Errorf("runtime call: %w", err)
	}
	if len(f) == 0 || len(f[0]) == 0 || f[0][0] != '/' {
		return ErrNoPath
	}
	c.Dir, c.Args = f[0], f[1:]
	return nil
}

// MarshalBinary encodes the answer.
func (a RuntimeAnswer) MarshalBinary() ([]byte, error) {
	return joinNUL(append([]string{a.ID}, a.Extra...))
}

// UnmarshalBinary decodes an answer.
func (a *RuntimeAnswer) UnmarshalBinary(b []byte) error {
	f, err := splitNUL(b)
	if err != nil {
		return fmt.Errorf("runtime answer: %w", err)
	}
	if len(f) == 0 || f[0] == "" {
		return errors.New("runtime answer: no container id")
	}
	a.ID, a.Extra = f[0], f[1:]
	return nil
}

func joinNUL(fields []string) ([]byte, error) {
	var b bytes.Buffer
	for _, f := range fields {
		if strings.IndexByte(f, 0) >= 0 {
			return nil, fmt.Errorf("%q holds a NUL byte", f)
		}
		b.WriteString(f)
		b.WriteByte(0)
	}
	return b.Bytes(), nil
}

func splitNUL(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[len(b)-1] != 0 {
		return nil, errors.New("the last string has no NUL terminator")
	}
	return strings.Split(string(b[:len(b)-1]), "\x00"), nil
}
