package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/store"
)

func (s *Server) status(inst store.Instance) attest.InstanceStatus {
	return attest.InstanceStatus{
		InstanceID: inst.ID, KeyAlg: inst.Alg, KeyID: inst.KeyID, EnrolledAt: inst.EnrolledAt,
		LastSequence: inst.LastSeq, LastSeen: inst.LastSeen, Latest: inst.Latest,
		Compliance: attest.Evaluate(s.Now(), inst.Latest, inst.LastSeen, s.cfg.Interval, s.cfg.Baseline),
	}
}

// list shows every instance, or those in one state (?state=critical).
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	want := attest.State(r.URL.Query().Get("state"))
	if want != "" && !slices.Contains(attest.States, want) {
		s.refuse(w, http.StatusBadRequest, attest.CodeMalformed, fmt.Errorf("state: %q is not one of %v", want, attest.States), -1)
		return
	}
	insts, err := s.store.Instances(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]attest.InstanceStatus, 0, len(insts))
	for _, inst := range insts {
		if st := s.status(inst); want == "" || st.Compliance.State == want {
			out = append(out, st)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) one(w http.ResponseWriter, r *http.Request) {
	if inst, ok := s.instance(w, r, r.PathValue("id")); ok {
		writeJSON(w, http.StatusOK, s.status(inst))
	}
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			s.refuse(w, http.StatusBadRequest, attest.CodeMalformed, fmt.Errorf("limit: %q is not 1 to 10000", v), -1)
			return
		}
		limit = n
	}
	id := r.PathValue("id")
	if _, ok := s.instance(w, r, id); !ok {
		return
	}
	reps, err := s.store.History(r.Context(), id, limit)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]attest.HistoryEntry, 0, len(reps))
	for _, rep := range reps {
		out = append(out, attest.HistoryEntry{Sequence: rep.Sequence, ReceivedAt: rep.ReceivedAt,
			Digest: rep.Digest, Report: rep.Report, Envelope: json.RawMessage(rep.Envelope)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	sum, err := s.fleet(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// fleet counts the instances by compliance state.
func (s *Server) fleet(ctx context.Context) (attest.Summary, error) {
	insts, err := s.store.Instances(ctx)
	if err != nil {
		return attest.Summary{}, err
	}
	sum := attest.Summary{Instances: len(insts), States: map[attest.State]int{}, At: s.Now().UTC()}
	for _, st := range attest.States {
		sum.States[st] = 0
	}
	for _, inst := range insts {
		sum.States[s.status(inst).Compliance.State]++
	}
	return sum, nil
}
