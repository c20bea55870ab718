package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/store"
)

// bodies are request buffers, reused: a body is read whole, then
// decoded (a json.Decoder grows a buffer of its own from 512 bytes for
// every request, an eighth of a submission's allocations).
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decode reads a JSON body of at most MaxBodyBytes into v with
// encoding/json/v2, which refuses anything after the value but spaces, a
// member twice and invalid UTF-8, matches names exactly and ignores
// unknown members.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	_, err := buf.ReadFrom(r.Body)
	if err == nil {
		err = json.Unmarshal(buf.Bytes(), v) // strings and slices are copies: buf may be reused
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.refuse(w, http.StatusRequestEntityTooLarge, attest.CodeOversized,
			fmt.Errorf("body over %d bytes", tooBig.Limit), -1)
		return false
	case err != nil:
		s.refuse(w, http.StatusBadRequest, attest.CodeMalformed, fmt.Errorf("decode body: %w", err), -1)
		return false
	}
	return true
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request) {
	var req attest.EnrolRequest
	if !s.decode(w, r, &req) {
		return
	}
	v, err := attest.ParsePublicKey(req.PublicKey)
	if err != nil {
		s.refuse(w, http.StatusBadRequest, attest.CodeMalformed, fmt.Errorf("publicKey: %w", err), -1)
		return
	}
	last, err := s.store.Enrol(r.Context(), req.Token, req.InstanceID, v, s.Now())
	if errors.Is(err, store.ErrBadToken) {
		s.refuse(w, http.StatusForbidden, attest.CodeBadToken, err, -1)
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	id, _ := v.KeyID()
	s.metrics.enrolments.Inc()
	s.log.Info("instance enrolled", "instance", req.InstanceID, "key", id, "alg", v.Alg())
	writeJSON(w, http.StatusOK, attest.EnrolResponse{InstanceID: req.InstanceID, KeyID: id, LastSequence: last})
}

// nonce hands out a nonce and, when the last report is below the patch
// baseline, tells the instance to drain as vulnerable.
func (s *Server) nonce(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	inst, ok := s.instance(w, r, id)
	if !ok {
		return
	}
	now := s.Now()
	n, exp, err := s.store.IssueNonce(r.Context(), id, s.cfg.NonceTTL, now)
	if err != nil {
		s.fail(w, err)
		return
	}
	resp := attest.NonceResponse{Nonce: n, ExpiresAt: exp.UTC(), SendPackages: inst.PackagesRequested}
	if inst.Latest != nil {
		resp.Reasons = attest.Vulnerabilities(now, inst.Latest.Claims.Patch, s.cfg.Baseline)
	}
	if len(resp.Reasons) > 0 {
		resp.Drain, resp.DrainReason = true, attest.DrainVulnerable
	}
	s.metrics.nonces.Inc()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) instance(w http.ResponseWriter, r *http.Request, id string) (store.Instance, bool) {
	inst, err := s.store.Instance(r.Context(), id)
	if errors.Is(err, store.ErrUnknownInstance) {
		s.refuse(w, http.StatusNotFound, attest.CodeUnknownInstance, fmt.Errorf("instance %q is not enrolled", id), -1)
		return inst, false
	}
	if err != nil {
		s.fail(w, err)
		return inst, false
	}
	return inst, true
}

// requestPackages asks an instance for its package list.
func (s *Server) requestPackages(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.store.RequestPackages(r.Context(), id)
	if errors.Is(err, store.ErrUnknownInstance) {
		s.refuse(w, http.StatusNotFound, attest.CodeUnknownInstance, fmt.Errorf("instance %q is not enrolled", id), -1)
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]bool{"requested": true})
}
