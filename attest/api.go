package attest

import (
	"encoding/json"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// The HTTP JSON API between the reporter and moat-attestd; the paths and
// bodies are described in server/openapi.yaml.

// EnrolRequest enrols an instance with a one-time token bound to its id.
type EnrolRequest struct {
	Token      string `json:"token"`
	InstanceID string `json:"instanceId"`
	PublicKey  []byte `json:"publicKey"` // PKIX DER, base64 in JSON
}

// EnrolResponse confirms enrolment; reports must continue above
// LastSequence.
type EnrolResponse struct {
	InstanceID   string `json:"instanceId"`
	KeyID        string `json:"keyId"`
	LastSequence uint64 `json:"lastSequence"`
}

// NonceResponse carries a fresh nonce and, when the server judges the
// instance's patch level below the baseline, the order to drain.
type NonceResponse struct {
	Nonce       string    `json:"nonce"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Drain       bool      `json:"drain"`
	DrainReason string    `json:"drainReason,omitempty"` // DrainVulnerable
	Reasons     []string  `json:"reasons,omitempty"`
	// SendPackages: an operator asked for the package list; send one
	// report that carries it (trigger TriggerPackages).
	SendPackages bool `json:"sendPackages,omitempty"`
}

// SubmitRequest carries one report or a batch, in sequence order, all
// signed under the same nonce.
type SubmitRequest struct {
	Envelopes []*dsse.Envelope `json:"envelopes"`
}

// SubmitResponse acknowledges a submission: every report in it is stored
// durably, Duplicates of them were stored before.
type SubmitResponse struct {
	Accepted     int    `json:"accepted"`
	Duplicates   int    `json:"duplicates"`
	LastSequence uint64 `json:"lastSequence"`
}

// Refusal codes, carried in a 4xx reply's body.
const (
	CodeMalformed       = "malformed"        // 400
	CodeUnsigned        = "unsigned"         // 400
	CodeBadSignature    = "bad_signature"    // 403
	CodeWrongInstance   = "wrong_instance"   // 403
	CodeBadToken        = "bad_token"        // 403
	CodeUnauthorized    = "unauthorized"     // 401, operator endpoints
	CodeUnknownInstance = "unknown_instance" // 404
	CodeStaleNonce      = "stale_nonce"      // 409, unknown or expired
	CodeReplayed        = "replayed"         // 409, nonce already used
	CodeReordered       = "reordered"        // 409, sequence does not grow
	CodeOversized       = "oversized"        // 413
)

// Refusal is the body of every 4xx and 5xx reply.
type Refusal struct {
	Code  string `json:"code"`
	Error string `json:"error"`
	Index *int   `json:"index,omitempty"` // the envelope refused, in a batch
}

// InstanceStatus is one instance as the operator sees it.
type InstanceStatus struct {
	InstanceID   string     `json:"instanceId"`
	KeyAlg       string     `json:"keyAlg"`
	KeyID        string     `json:"keyId"`
	EnrolledAt   time.Time  `json:"enrolledAt"`
	LastSequence uint64     `json:"lastSequence"`
	LastSeen     time.Time  `json:"lastSeen,omitzero"`
	Compliance   Compliance `json:"compliance"`
	Latest       *Report    `json:"latest,omitempty"`
}

// HistoryEntry is one stored report with its envelope as received.
type HistoryEntry struct {
	Sequence   uint64          `json:"sequence"`
	ReceivedAt time.Time       `json:"receivedAt"`
	Digest     string          `json:"digest"`
	Report     Report          `json:"report"`
	Envelope   json.RawMessage `json:"envelope"`
}

// Summary counts the fleet's instances by compliance state.
type Summary struct {
	Instances int           `json:"instances"`
	States    map[State]int `json:"states"`
	At        time.Time     `json:"at"`
}
