package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// shape is the part of a JSON document's schema that checkNames
// enforces: the exact member names of an object (nil fields: any names)
// and the shape of an array's elements. A nil *shape allows anything.
type shape struct {
	fields map[string]*shape
	elem   *shape
}

// checkNames walks a JSON value that encoding/json has already found
// valid and refuses what encoding/json lets through and protojson, the
// in-toto library's parser, refused: a member name twice in one object
// (here also two names equal without regard to case, which
// encoding/json would both match to one field), a member name of sh that
// matches only without regard to case, and an escaped lone surrogate in
// a string.
func checkNames(b []byte, sh *shape) error {
	s := &nameScan{b: b}
	if err := s.value(sh, ""); err != nil {
		return err
	}
	if s.skipSpace(); s.i != len(b) {
		return errors.New("trailing data")
	}
	return nil
}

type nameScan struct {
	b []byte
	i int
}

var errTruncated = errors.New("truncated JSON")

func (s *nameScan) skipSpace() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *nameScan) value(sh *shape, path string) error {
	s.skipSpace()
	if s.i >= len(s.b) {
		return errTruncated
	}
	switch s.b[s.i] {
	case '{':
		return s.object(sh, path)
	case '[':
		return s.array(sh, path)
	case '"':
		_, err := s.str()
		return err // the value: its bytes are not kept
	}
	start := s.i
	for s.i < len(s.b) && !isDelim(s.b[s.i]) { // number, true, false, null
		s.i++
	}
	if s.i == start { // not JSON: encoding/json let nothing like it by
		return fmt.Errorf("unexpected %q at offset %d", s.b[s.i], s.i)
	}
	return nil
}

func isDelim(c byte) bool {
	return c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func (s *nameScan) object(sh *shape, path string) error {
	s.i++ // {
	var seen names
	for {
		s.skipSpace()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return nil
		}
		if err := s.member(sh, path, &seen); err != nil {
			return err
		}
		if s.skipSpace(); s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
		}
	}
}

// names is the member names seen in one object: a few in a slice on the
// stack, many in a map by case-folded name, so that a large object costs
// linear time.
type names struct {
	few  [8][]byte
	n    int
	many map[string]bool
}

// add records name and reports false when the object already had it,
// without regard to case.
func (n *names) add(name []byte) bool {
	if n.many != nil {
		k := foldKey(name)
		if n.many[k] {
			return false
		}
		n.many[k] = true
		return true
	}
	for _, m := range n.few[:n.n] {
		if bytes.EqualFold(m, name) {
			return false
		}
	}
	if n.n < len(n.few) {
		n.few[n.n] = name
		n.n++
		return true
	}
	n.many = map[string]bool{foldKey(name): true}
	for _, m := range n.few {
		n.many[foldKey(m)] = true
	}
	return true
}

// foldKey maps name to a key that two names share exactly when
// bytes.EqualFold finds them equal: each rune becomes the least of its
// simple case folding orbit.
func foldKey(name []byte) string {
	var b strings.Builder
	for _, r := range string(name) {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// member reads one `"name": value` of an object at path.
func (s *nameScan) member(sh *shape, path string, seen *names) error {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return errTruncated
	}
	name, err := s.str()
	if err != nil {
		return err
	}
	if err := checkMember(sh, path, name, seen); err != nil {
		return err
	}
	if s.skipSpace(); s.i >= len(s.b) || s.b[s.i] != ':' {
		return errTruncated
	}
	s.i++
	if sh == nil || sh.fields == nil {
		return s.value(nil, path)
	}
	return s.value(sh.fields[string(name)], join(path, string(name)))
}

func checkMember(sh *shape, path string, name []byte, seen *names) error {
	if !seen.add(name) {
		return fmt.Errorf("%s: member %q twice (names are compared without regard to case)", cmpOr(path, "statement"), name)
	}
	if sh == nil || sh.fields == nil {
		return nil
	}
	if _, ok := sh.fields[string(name)]; !ok {
		return fmt.Errorf("%s: unknown field %q", cmpOr(path, "statement"), name)
	}
	return nil
}

func (s *nameScan) array(sh *shape, path string) error {
	s.i++ // [
	for n := 0; ; n++ {
		s.skipSpace()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		if err := s.element(sh, path, n); err != nil {
			return err
		}
		if s.skipSpace(); s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
		}
	}
}

func (s *nameScan) element(sh *shape, path string, n int) error {
	if sh == nil || sh.elem == nil {
		return s.value(nil, path)
	}
	return s.value(sh.elem, path+"["+strconv.Itoa(n)+"]")
}

// str reads a string at s.i and returns its value, a slice of s.b
// unless it has escapes: only then is it decoded, after its surrogate
// escapes are checked.
func (s *nameScan) str() ([]byte, error) {
	start, escaped := s.i, false
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			escaped = true
			s.i++
		case '"':
			s.i++
			raw := s.b[start:s.i]
			if !escaped {
				return raw[1 : len(raw)-1], nil
			}
			return unescape(raw)
		}
	}
	return nil, errTruncated
}

func unescape(raw []byte) ([]byte, error) {
	if err := checkSurrogates(raw); err != nil {
		return nil, err
	}
	var v string
	err := json.Unmarshal(raw, &v)
	return []byte(v), err
}

// checkSurrogates refuses, as protojson does, a \u escape of a surrogate
// that is not a high one followed by the escape of a low one.
func checkSurrogates(raw []byte) error {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		r, ok := escapedRune(raw[i:])
		if !ok {
			i++ // a one-letter escape: skip the letter
			continue
		}
		if utf16.IsSurrogate(r) {
			lo, ok := escapedRune(raw[i+6:])
			if !ok || utf16.DecodeRune(r, lo) == unicode.ReplacementChar {
				return fmt.Errorf("invalid escape %s in string", raw[i:i+6])
			}
			i += 6
		}
		i += 5
	}
	return nil
}

// escapedRune reads the \uXXXX escape that b starts with.
func escapedRune(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	return rune(n), err == nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
