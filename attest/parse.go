package attest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"

	"github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
	intoto "github.com/in-toto/attestation/go/v1"
)

// statementWire is the in-toto Statement exactly as Sign writes it: one
// subject (name and sha256 digest) and moat's predicate. Verify decodes
// the payload into it in one pass; protojson and structpb are for Sign.
type statementWire struct {
	Type          string        `json:"_type"`
	Subject       []subjectWire `json:"subject"`
	PredicateType string        `json:"predicateType"`
	Predicate     *Predicate    `json:"predicate"`
}

type subjectWire struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// parseStatement decodes a statement payload without checking any
// signature; Verify is the way in for untrusted input. It refuses
// everything the in-toto library's parser refused (unknown or misspelt
// members of the statement layer, a member twice, invalid UTF-8, a
// lone surrogate escape, trailing data, a missing predicate) and more:
// unknown predicate members, a subject that is not exactly one
// instance with one sha256 digest, an integer that a double does not hold
// exactly.
func parseStatement(body []byte) (*Statement, error) {
	w, err := decodeStatement(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := w.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	sub := w.Subject[0]
	return &Statement{InstanceID: w.Predicate.Lifetime.InstanceID, KeyID: sub.Digest["sha256"],
		Predicate: *w.Predicate}, nil
}

func decodeStatement(body []byte) (*statementWire, error) {
	var w statementWire
	if err := json.Unmarshal(body, &w, decodeStrict); err != nil {
		return nil, err
	}
	return &w, nil
}

// decodeStrict: on top of what encoding/json/v2 refuses by default (a
// member name twice in one object, invalid UTF-8 or a lone surrogate
// escape, trailing data, a name that matches a field only without
// regard to case), a member no field names; a time.Duration is its
// nanoseconds, as encoding/json writes it.
var decodeStrict = json.JoinOptions(json.RejectUnknownMembers(true), jsonv1.FormatDurationAsNano(true))

func (w *statementWire) check() error {
	switch {
	case w.Type != intoto.StatementTypeUri:
		return fmt.Errorf("_type %q, want %q", w.Type, intoto.StatementTypeUri)
	case w.PredicateType != PredicateType:
		return fmt.Errorf("predicateType %q, want %q", w.PredicateType, PredicateType)
	case len(w.Subject) != 1:
		return fmt.Errorf("subject: %d entries, want exactly one", len(w.Subject))
	case w.Predicate == nil:
		return errors.New("predicate: missing")
	}
	sub := w.Subject[0]
	if d, ok := sub.Digest["sha256"]; !ok || len(sub.Digest) != 1 || len(d) != 64 || !isHex(d) {
		return errors.New("subject digest: want exactly one sha256")
	}
	if id := w.Predicate.Lifetime.InstanceID; sub.Name != "instance:"+id {
		return fmt.Errorf("subject name %q does not match lifetime.instanceId %q", sub.Name, id)
	}
	return w.Predicate.checkIntegers()
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// checkIntegers refuses an integer that a double does not hold exactly:
// Sign builds the statement through protobuf's Struct, whose numbers are
// doubles, so moat never signed one, and the protojson parser refused
// those that rounded out of range.
func (p *Predicate) checkIntegers() error {
	wide := [...]struct {
		name string
		n    uint64
	}{{"sequence", p.Sequence}, {"lifetime.uptimeNs", abs(int64(p.Lifetime.Uptime))},
		{"patch.packageCount", abs(int64(p.Patch.PackageCount))}}
	for _, f := range wide {
		if !exactDouble(f.n) {
			return fmt.Errorf("predicate.%s: %d is not exact as a JSON number", f.name, f.n)
		}
	}
	for family, n := range p.Enforcement.Denials {
		if !exactDouble(n) {
			return fmt.Errorf("predicate.enforcement.denials[%q]: %d is not exact as a JSON number", family, n)
		}
	}
	return nil
}

func abs(n int64) uint64 {
	if n < 0 {
		return -uint64(n)
	}
	return uint64(n)
}

// exactDouble: n has at most 53 significant bits.
func exactDouble(n uint64) bool {
	return n == 0 || bits.Len64(n)-bits.TrailingZeros64(n) <= 53
}
