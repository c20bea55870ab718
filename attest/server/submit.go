package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/store"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// refusal is a submission refused: the status, code and envelope index.
type refusal struct {
	status int
	code   string
	index  int
	err    error
}

func (e *refusal) Error() string { return e.err.Error() }

func refused(status int, code string, index int, format string, args ...any) *refusal {
	return &refusal{status: status, code: code, index: index, err: fmt.Errorf(format, args...)}
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.PathValue("id")
	var req submission
	if !s.decode(w, r, &req) {
		return
	}
	envs, err := req.envelopes()
	var resp *attest.SubmitResponse
	if err == nil {
		resp, err = s.accept(r.Context(), id, envs, req.Envelopes)
	}
	var ref *refusal
	switch {
	case errors.As(err, &ref):
		s.log.Warn("report refused", "instance", id, "code", ref.code, "index", ref.index, "err", ref.err)
		s.refuse(w, ref.status, ref.code, ref.err, ref.index)
	case err != nil:
		s.fail(w, err)
	default:
		s.metrics.reports.WithLabelValues("accepted").Add(float64(resp.Accepted - resp.Duplicates))
		s.metrics.reports.WithLabelValues("duplicate").Add(float64(resp.Duplicates))
		s.metrics.submitSeconds.Observe(time.Since(start).Seconds())
		writeJSON(w, http.StatusOK, resp)
	}
}

// submission is an attest.SubmitRequest with each envelope's bytes as
// received: they are what is stored.
type submission struct {
	Envelopes []jsontext.Value `json:"envelopes"`
}

// envelopes decodes the envelopes; a null one is an empty envelope,
// which verification refuses as unsigned.
func (req submission) envelopes() ([]*dsse.Envelope, error) {
	envs := make([]*dsse.Envelope, len(req.Envelopes))
	for i, raw := range req.Envelopes {
		envs[i] = new(dsse.Envelope)
		if err := json.Unmarshal(raw, envs[i]); err != nil {
			return nil, refused(http.StatusBadRequest, attest.CodeMalformed, i, "envelope %d: %v", i, err)
		}
	}
	return envs, nil
}

// accept verifies a submission and stores its new reports, with the
// envelopes' bytes as received (raw); it returns a *refusal for
// anything the instance got wrong.
func (s *Server) accept(ctx context.Context, id string, envs []*dsse.Envelope, raw []jsontext.Value) (*attest.SubmitResponse, error) {
	if len(envs) == 0 {
		return nil, refused(http.StatusBadRequest, attest.CodeMalformed, -1, "envelopes: empty")
	}
	if len(envs) > s.cfg.MaxBatch {
		return nil, refused(http.StatusRequestEntityTooLarge, attest.CodeOversized, -1, "envelopes: %d over the batch limit %d", len(envs), s.cfg.MaxBatch)
	}
	var v verdict
	for range 3 { // a key that changes under a submission is read again
		k, inst, err := s.key(ctx, id)
		if err != nil {
			return nil, err
		}
		if v.keyID != k.keyID || v.stmts == nil && v.err == nil { // the same key gives the same verdict
			v.keyID = k.keyID
			v.stmts, v.err = s.verifyAll(ctx, id, k.v, envs)
		}
		resp, err := s.acceptWith(ctx, id, k.keyID, inst, raw, v)
		if !errors.Is(err, errStaleKey) {
			return resp, err
		}
		s.keys.forget(id)
	}
	return nil, fmt.Errorf("instance %s: key changed during three submissions in a row", id)
}

// verdict is a submission's verification with one key.
type verdict struct {
	keyID string
	stmts []*attest.Statement
	err   error
}

// errStaleKey: the submission may have been judged on an outdated key
// or last sequence; it is judged again on the stored ones.
var errStaleKey = errors.New("cached key or sequence outdated")

// acceptWith stores the reports that v verified with key keyID. inst is
// nil when the key came from the cache: then the last sequence is
// unknown, every report is taken for new, and whatever the stored state
// could explain otherwise (a failed verification, a duplicate, another
// key) is errStaleKey.
func (s *Server) acceptWith(ctx context.Context, id, keyID string, inst *store.Enrolment, raw []jsontext.Value, v verdict) (*attest.SubmitResponse, error) {
	if v.err != nil {
		return nil, staleIfCached(v.err, inst)
	}
	stmts := v.stmts
	var lastSeq uint64
	if inst != nil {
		lastSeq = inst.LastSeq
	}
	nonce, now := stmts[0].Predicate.Nonce, s.Now()
	fresh, dups, err := s.classify(ctx, id, lastSeq, raw, stmts)
	if err != nil { // a stale or used nonce is said first, as Append would
		return nil, cmp.Or(nonceRefusal(s.store.CheckNonce(ctx, id, nonce, now)), err)
	}
	err = s.store.AppendFor(ctx, id, keyID, nonce, now, fresh)
	if errors.Is(err, store.ErrKeyChanged) || errors.Is(err, store.ErrReordered) && inst == nil {
		return nil, errStaleKey
	}
	if err := nonceRefusal(err); err != nil {
		return nil, err
	}
	last := stmts[len(stmts)-1].Predicate.Sequence
	return &attest.SubmitResponse{Accepted: len(raw), Duplicates: dups, LastSequence: max(last, lastSeq)}, nil
}

func staleIfCached(err error, inst *store.Enrolment) error {
	if inst == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return errStaleKey
	}
	return err
}

func nonceRefusal(err error) error {
	switch {
	case errors.Is(err, store.ErrStaleNonce):
		return refused(http.StatusConflict, attest.CodeStaleNonce, -1, "nonce unknown or expired: get a new one")
	case errors.Is(err, store.ErrReplayed):
		return refused(http.StatusConflict, attest.CodeReplayed, -1, "nonce already used: replayed submission")
	case errors.Is(err, store.ErrReordered):
		return refused(http.StatusConflict, attest.CodeReordered, -1, "sequence does not grow (a concurrent submission won)")
	}
	return err
}

// verifyAll verifies every envelope. At most one submission per core
// verifies at a time: the others wait their turn instead of sharing the
// cores, so that the group committer, one goroutine, is not starved
// among hundreds of busy ones, and a submission's latency is its queue
// and its own work rather than everyone's.
func (s *Server) verifyAll(ctx context.Context, id string, v *attest.Verifier, envs []*dsse.Envelope) ([]*attest.Statement, error) {
	select {
	case s.verifying <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.verifying }()
	out := make([]*attest.Statement, len(envs))
	for i, env := range envs {
		st, err := attest.Verify(ctx, v, env)
		switch {
		case errors.Is(err, attest.ErrUnsigned):
			return nil, refused(http.StatusBadRequest, attest.CodeUnsigned, i, "envelope %d: %v", i, err)
		case errors.Is(err, attest.ErrBadSignature):
			return nil, refused(http.StatusForbidden, attest.CodeBadSignature, i, "envelope %d: %v", i, err)
		case err != nil:
			return nil, refused(http.StatusBadRequest, attest.CodeMalformed, i, "envelope %d: %v", i, err)
		case st.InstanceID != id:
			return nil, refused(http.StatusForbidden, attest.CodeWrongInstance, i, "envelope %d: statement is about %q, not %q", i, st.InstanceID, id)
		case st.Predicate.Nonce != out0Nonce(out, st):
			return nil, refused(http.StatusBadRequest, attest.CodeMalformed, i, "envelope %d: nonce differs from the batch's", i)
		}
		out[i] = st
	}
	return out, nil
}

func out0Nonce(out []*attest.Statement, st *attest.Statement) string {
	if out[0] == nil {
		return st.Predicate.Nonce
	}
	return out[0].Predicate.Nonce
}

// classify splits a batch into reports to store and duplicates of stored
// ones (same sequence, same digest); sequences must grow strictly.
func (s *Server) classify(ctx context.Context, id string, lastSeq uint64, raw []jsontext.Value, stmts []*attest.Statement) ([]store.Report, int, error) {
	var fresh []store.Report
	dups := 0
	var prev uint64
	for i, st := range stmts {
		rep := st.Predicate.Report()
		seq, digest := rep.Sequence, attest.ReportDigest(rep)
		if seq == 0 || seq <= prev {
			return nil, 0, refused(http.StatusConflict, attest.CodeReordered, i, "envelope %d: sequence %d after %d", i, seq, prev)
		}
		prev = seq
		if seq > lastSeq {
			fresh = append(fresh, store.Report{Sequence: seq, Digest: digest, Report: rep, Envelope: raw[i]})
			continue
		}
		stored, found, err := s.store.Digest(ctx, id, seq)
		if err != nil {
			return nil, 0, err
		}
		if !found || stored != digest {
			return nil, 0, refused(http.StatusConflict, attest.CodeReordered, i, "envelope %d: sequence %d is not above the last stored %d", i, seq, lastSeq)
		}
		dups++
	}
	return fresh, dups, nil
}
