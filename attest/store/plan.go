package store

import (
	"slices"
)

// state is what a group's ops depend on, as loaded at its start and then
// as the group's accepted ops leave it.
type state struct {
	inst   map[string]*instState
	nonces map[string]*nonceState
}

type instState struct {
	keyID           string
	seq, seen, pkgs int64
	touched         bool
}

type nonceState struct {
	instance string
	exp      int64
	used     bool
}

// plan is the writes of a group's accepted ops.
type plan struct {
	used      []usedNonce
	issued    []issuedNonce
	purge     int64    // delete nonces that expired before; 0: none
	instances []string // touched, written with their final state
	reports   []reportRow
}

type usedNonce struct {
	nonce string
	at    int64
}

type issuedNonce struct {
	nonce, instance string
	exp             int64
}

type reportRow struct {
	instance                string
	seq, received, observed int64
	digest, envelope        string
}

// needs lists the instances and nonces a group must load.
func needs(group []op) (ids, nonces []string) {
	for _, o := range group {
		if o.issue != nil {
			continue
		}
		if len(ids) == 0 || ids[len(ids)-1] != o.key { // the group is sorted by key
			ids = append(ids, o.key)
		}
		if o.append != nil {
			nonces = append(nonces, o.append.nonce)
		}
	}
	slices.Sort(nonces)
	return ids, slices.Compact(nonces)
}

// decide runs the group's ops against st in order: each is refused
// (its error) before it writes anything, or adds its writes to the plan.
func decide(group []op, st *state) ([]error, *plan) {
	p := &plan{}
	errs := make([]error, len(group))
	for i, o := range group {
		switch {
		case o.issue != nil:
			p.issued = append(p.issued, issuedNonce{o.issue.nonce, o.key, o.issue.exp})
			if p.purge == 0 || o.issue.now < p.purge {
				p.purge = o.issue.now
			}
		case o.pkgs:
			errs[i] = p.requestPackages(st, o.key)
		default:
			errs[i] = p.append(st, o.key, o.append)
		}
	}
	return errs, p
}

func (p *plan) requestPackages(st *state, id string) error {
	inst := st.inst[id]
	if inst == nil {
		return ErrUnknownInstance
	}
	inst.pkgs = 1
	p.touch(id, inst)
	return nil
}

func (p *plan) touch(id string, inst *instState) {
	if !inst.touched {
		inst.touched = true
		p.instances = append(p.instances, id)
	}
}

// append refuses reports verified with another key than the
// instance's, then a stale or used nonce, then sequences that do
// not grow; else it consumes the nonce, advances the instance and
// inserts the reports.
func (p *plan) append(st *state, id string, a *appendOp) error {
	inst, n := st.inst[id], st.nonces[a.nonce]
	switch {
	case a.keyID != "" && (inst == nil || inst.keyID != a.keyID):
		return ErrKeyChanged
	case n == nil || n.instance != id:
		return ErrStaleNonce
	case n.used:
		return ErrReplayed
	case n.exp <= a.now:
		return ErrStaleNonce
	}
	if len(a.rows) > 0 && (inst == nil || inst.seq >= a.rows[0].seq) {
		return ErrReordered
	}
	n.used = true
	p.used = append(p.used, usedNonce{a.nonce, a.now})
	p.reports = append(p.reports, a.rows...)
	if inst == nil {
		return nil
	}
	inst.seen = a.now
	if len(a.rows) > 0 {
		inst.seq = a.rows[len(a.rows)-1].seq
	}
	if a.packages {
		inst.pkgs = 0
	}
	p.touch(id, inst)
	return nil
}

// newAppendOp is an append of reports, as the rows to insert.
func newAppendOp(id, keyID, nonce string, now int64, reports []Report) *appendOp {
	a := &appendOp{nonce: nonce, keyID: keyID, now: now, rows: make([]reportRow, len(reports))}
	for i, r := range reports {
		a.rows[i] = reportRow{instance: id, seq: int64(r.Sequence), received: now,
			observed: r.Report.ObservedAt.UnixNano(), digest: r.Digest, envelope: string(r.Envelope)}
		a.packages = a.packages || len(r.Report.Claims.Patch.Packages) > 0
	}
	return a
}
