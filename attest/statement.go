package attest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// PredicateType names moat's instance predicate.
const PredicateType = "https://moat.sh/attestation/instance/v1"

// PayloadType is the DSSE payload type of an in-toto Statement.
const PayloadType = "application/vnd.in-toto+json"

// Errors of verification, checked with errors.Is.
var (
	ErrUnsigned     = errors.New("envelope carries no signature")
	ErrBadSignature = errors.New("signature does not verify")
	ErrMalformed    = errors.New("malformed statement")
)

// Predicate is the body of moat's statement: the report with the nonce it
// was signed under.
type Predicate struct {
	Sequence    uint64      `json:"sequence"`
	Nonce       string      `json:"nonce"`
	ObservedAt  time.Time   `json:"observedAt"`
	Trigger     string      `json:"trigger"`
	Lifetime    Lifetime    `json:"lifetime"`
	Patch       Patch       `json:"patch"`
	Enforcement Enforcement `json:"enforcement"`
}

// Report returns the unsigned report that the predicate carries.
func (p *Predicate) Report() Report {
	return Report{Sequence: p.Sequence, ObservedAt: p.ObservedAt, Trigger: p.Trigger,
		Claims: Claims{Lifetime: p.Lifetime, Patch: p.Patch, Enforcement: p.Enforcement}}
}

// Statement is a verified statement: whose it is and what it says.
type Statement struct {
	InstanceID string
	KeyID      string
	Predicate  Predicate
}

// Sign makes the in-toto Statement for r under nonce, with the instance
// (subject name: instance id, digest: SHA-256 of its public key) as
// subject, and signs it into a DSSE envelope.
func Sign(ctx context.Context, k *Key, r Report, nonce string) (*dsse.Envelope, error) {
	payload, err := statementJSON(k, r, nonce)
	if err != nil {
		return nil, err
	}
	signer, err := dsse.NewEnvelopeSigner(k)
	if err != nil {
		return nil, fmt.Errorf("dsse signer: %w", err)
	}
	env, err := signer.SignPayload(ctx, PayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("sign statement: %w", err)
	}
	return env, nil
}

func statementJSON(k *Key, r Report, nonce string) ([]byte, error) {
	pred := Predicate{Sequence: r.Sequence, Nonce: nonce, ObservedAt: r.ObservedAt.UTC(),
		Trigger: r.Trigger, Lifetime: r.Claims.Lifetime, Patch: r.Claims.Patch,
		Enforcement: r.Claims.Enforcement}
	// The predicate goes through protobuf's Struct, whose numbers are
	// doubles: an integer a double does not hold would be signed rounded,
	// and Verify refuses it. Refuse it here instead, with its name.
	if err := pred.checkIntegers(); err != nil {
		return nil, fmt.Errorf("sign statement: %w", err)
	}
	ps, err := toStruct(pred)
	if err != nil {
		return nil, err
	}
	st := &intoto.Statement{
		Type: intoto.StatementTypeUri,
		Subject: []*intoto.ResourceDescriptor{{
			Name:   "instance:" + r.Claims.Lifetime.InstanceID,
			Digest: map[string]string{"sha256": k.id},
		}},
		PredicateType: PredicateType,
		Predicate:     ps,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("build statement: %w", err)
	}
	return canonicalJSON(st)
}

func toStruct(v any) (*structpb.Struct, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode predicate: %w", err)
	}
	var s structpb.Struct
	if err := protojson.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("encode predicate: %w", err)
	}
	return &s, nil
}

// canonicalJSON encodes a statement compactly with sorted keys: protojson
// randomises its whitespace on purpose, so its output is re-encoded.
func canonicalJSON(st *intoto.Statement) ([]byte, error) {
	b, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode statement: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("encode statement: %w", err)
	}
	return json.Marshal(v)
}

// Verify checks env against the instance's public key and returns the
// statement it carries. It fails with ErrUnsigned, ErrBadSignature or
// ErrMalformed.
func Verify(ctx context.Context, v *Verifier, env *dsse.Envelope) (*Statement, error) {
	if env == nil || len(env.Signatures) == 0 {
		return nil, ErrUnsigned
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("%w: payloadType %q, want %q", ErrMalformed, env.PayloadType, PayloadType)
	}
	ev, err := dsse.NewEnvelopeVerifier(v)
	if err != nil {
		return nil, fmt.Errorf("dsse verifier: %w", err)
	}
	_, body, err := ev.VerifyAndDecode(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	st, err := parseStatement(body)
	if err != nil {
		return nil, err
	}
	if want := v.id; st.KeyID != want {
		return nil, fmt.Errorf("%w: subject digest %s is not the key %s", ErrMalformed, st.KeyID, want)
	}
	return st, nil
}

// StoredReport reads the report in an envelope that Verify accepted
// before, as the attestation server stores it: the envelope's bytes are
// the one copy of the report. It checks no signature; for an envelope
// from the wire, Verify is the way in.
func StoredReport(envelope []byte) (Report, error) {
	var env dsse.Envelope
	if err := jsonv2.Unmarshal(envelope, &env); err != nil {
		return Report{}, fmt.Errorf("%w: envelope: %v", ErrMalformed, err)
	}
	body, err := env.DecodeB64Payload()
	if err != nil {
		return Report{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	st, err := parseStatement(body)
	if err != nil {
		return Report{}, err
	}
	return st.Predicate.Report(), nil
}
