package store

import (
	"errors"
	"testing"
)

// TestDecide: each op of a group is judged against the state that the
// ops before it leave; a refused op plans no write.
func TestDecide(t *testing.T) {
	rep := func(seq uint64) Report { return reports("i-1", seq, seq)[0] }
	app := func(nonce string, now int64, seqs ...uint64) op {
		var rs []Report
		for _, s := range seqs {
			rs = append(rs, rep(s))
		}
		a := newAppendOp("i-1", "k1", nonce, now, rs)
		return op{key: "i-1", append: a}
	}
	for _, tc := range []struct {
		name    string
		ops     []op
		want    []error
		lastSeq int64
		reports int
	}{
		{"one append", []op{app("n1", 10, 3, 4)}, []error{nil}, 4, 2},
		{"nonce used twice in one group", []op{app("n1", 10, 3), app("n1", 10, 4)}, []error{nil, ErrReplayed}, 3, 1},
		{"second nonce, sequence not above the first's", []op{app("n1", 10, 3), app("n2", 10, 3)}, []error{nil, ErrReordered}, 3, 1},
		{"second nonce, sequence above", []op{app("n1", 10, 3), app("n2", 10, 4)}, []error{nil, nil}, 4, 2},
		{"stored sequence", []op{app("n1", 10, 2)}, []error{ErrReordered}, 2, 0},
		{"expired nonce", []op{app("n1", 100, 3)}, []error{ErrStaleNonce}, 2, 0},
		{"used nonce beats expiry", []op{app("used", 100, 3)}, []error{ErrReplayed}, 2, 0},
		{"another instance's nonce", []op{app("other", 10, 3)}, []error{ErrStaleNonce}, 2, 0},
		{"unknown nonce", []op{app("n9", 10, 3)}, []error{ErrStaleNonce}, 2, 0},
		{"another key", []op{{key: "i-1", append: &appendOp{nonce: "n1", keyID: "k2", now: 10}}}, []error{ErrKeyChanged}, 2, 0},
		{"package request, unknown instance", []op{{key: "i-9", pkgs: true}}, []error{ErrUnknownInstance}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &state{inst: map[string]*instState{"i-1": {keyID: "k1", seq: 2}}, nonces: map[string]*nonceState{
				"n1": {instance: "i-1", exp: 50}, "n2": {instance: "i-1", exp: 50},
				"used": {instance: "i-1", exp: 50, used: true}, "other": {instance: "i-2", exp: 50},
			}}
			errs, p := decide(tc.ops, st)
			for i, want := range tc.want {
				if !errors.Is(errs[i], want) || (want == nil) != (errs[i] == nil) {
					t.Errorf("op %d: %v, want %v", i, errs[i], want)
				}
			}
			if st.inst["i-1"].seq != tc.lastSeq || len(p.reports) != tc.reports {
				t.Errorf("last seq %d with %d reports planned, want %d and %d", st.inst["i-1"].seq, len(p.reports), tc.lastSeq, tc.reports)
			}
		})
	}
}
