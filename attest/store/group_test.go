package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// testMixedGroups: many instances submit at once, each twice with one
// nonce, so that groups hold accepted and refused ops side by side: per
// instance exactly one wins, and a refusal undoes nothing of another op.
func testMixedGroups(t *testing.T, s *Store) {
	const n = 32
	nonces := make([]string, n)
	for i := range n {
		enrol(t, s, fmt.Sprintf("i-%d", i))
		nonces[i] = nonce(t, s, fmt.Sprintf("i-%d", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range 2 * n {
		id := fmt.Sprintf("i-%d", i%n)
		wg.Go(func() { errs[i] = s.Append(context.Background(), id, nonces[i%n], t0, reports(id, 1, 2)) })
	}
	wg.Wait()
	for i := range n {
		a, b := errs[i], errs[i+n]
		lost := a
		if a == nil {
			lost = b
		}
		if (a == nil) == (b == nil) || !errors.Is(lost, ErrReplayed) {
			t.Errorf("i-%d: %v and %v, want one nil and one %v", i, a, b, ErrReplayed)
		}
		checkSeqs(t, s, fmt.Sprintf("i-%d", i), 2)
	}
}

// testKeyChanged: reports verified with a key the instance no longer has
// are refused and store nothing, the nonce stays usable.
func testKeyChanged(t *testing.T, s *Store) {
	ctx := context.Background()
	enrol(t, s, "i-1")
	n := nonce(t, s, "i-1")
	if err := s.AppendFor(ctx, "i-1", "0000", n, t0, reports("i-1", 1, 1)); !errors.Is(err, ErrKeyChanged) {
		t.Fatalf("another key: %v", err)
	}
	checkSeqs(t, s, "i-1", 0)
	e, err := s.Enrolled(ctx, "i-1")
	if err != nil || string(e.PublicKey) != string(verifier(t, 1).PublicDER()) {
		t.Fatalf("enrolled = %+v %v", e, err)
	}
	if err := s.AppendFor(ctx, "i-1", e.KeyID, n, t0, reports("i-1", 1, 1)); err != nil {
		t.Fatalf("the instance's key: %v", err)
	}
	checkSeqs(t, s, "i-1", 1)
	if _, err := s.Enrolled(ctx, "i-9"); !errors.Is(err, ErrUnknownInstance) {
		t.Fatalf("unknown instance: %v", err)
	}
}
