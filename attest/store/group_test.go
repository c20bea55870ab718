package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
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

// testObserveGroups: each op of a group that commits is counted once,
// an op the group refuses included, and nothing is observed once
// stopped. (The ops of a group that fails as a whole are counted again
// in the groups of one that retry them.)
func testObserveGroups(t *testing.T, s *Store) {
	ctx := context.Background()
	var mu sync.Mutex
	ops, groups := 0, 0
	s.ObserveGroups(func(n int, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if n < 1 || took <= 0 {
			t.Errorf("observed a group of %d ops that took %v", n, took)
		}
		ops, groups = ops+n, groups+1
	})
	enrol(t, s, "i-1") // not a group's: enrolment writes on its own
	n := nonce(t, s, "i-1")
	if err := s.Append(ctx, "i-1", n, t0, reports("i-1", 1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, "i-1", n, t0, reports("i-1", 2, 2)); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replayed nonce: %v", err)
	}
	mu.Lock()
	got := ops
	mu.Unlock()
	if got != 3 || groups < 1 || groups > got {
		t.Fatalf("observed %d ops in %d groups, want 3 ops (the nonce, two appends)", got, groups)
	}
	s.ObserveGroups(nil)
	nonce(t, s, "i-1")
	mu.Lock()
	defer mu.Unlock()
	if ops != got {
		t.Fatalf("observed %d ops after stopping, want none", ops-got)
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

// testFailedGroup: a group whose write fails in the database (here a
// report row that is already there, under the instance's last sequence)
// stores nothing of it, not even its nonce's use, and leaves the store
// and its connections usable for the next writes.
func testFailedGroup(t *testing.T, s *Store) {
	ctx := context.Background()
	enrol(t, s, "i-1")
	enrol(t, s, "i-2")
	_, err := s.db.ExecContext(ctx, s.q("INSERT INTO reports (instance_id, seq, received_at, observed_at, digest, envelope) VALUES (?, ?, ?, ?, ?, ?)"),
		"i-1", 5, 0, 0, "d", "{}")
	if err != nil {
		t.Fatal(err)
	}
	n := nonce(t, s, "i-1")
	err = s.Append(ctx, "i-1", n, t0, reports("i-1", 5, 5))
	if err == nil || errors.Is(err, ErrReordered) || errors.Is(err, ErrReplayed) || errors.Is(err, ErrStaleNonce) {
		t.Fatalf("append over a stored row: %v, want the database's error", err)
	}
	for i := range 40 { // more writes than the pool has connections
		if err := s.Append(ctx, "i-2", nonce(t, s, "i-2"), t0, reports("i-2", uint64(i+1), uint64(i+1))); err != nil {
			t.Fatalf("append %d after the failed group: %v", i+1, err)
		}
	}
	if err := s.Append(ctx, "i-1", n, t0, reports("i-1", 1, 2)); err != nil {
		t.Fatalf("the failed group's nonce, again: %v", err)
	}
	checkSeqs(t, s, "i-2", 40)
}

// TestPostgresCountChecked: an update in the batch that ends with COMMIT
// that changes other rows than the group loaded fails before COMMIT;
// the group is refused as a lost race and the transaction rolled back,
// leaving nothing written.
func TestPostgresCountChecked(t *testing.T) {
	s, _ := postgresBackend(t)
	ctx := context.Background()
	enrol(t, s, "i-1")
	n := nonce(t, s, "i-1")
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		if _, err := c.Exec(ctx, "BEGIN"); err != nil {
			return err
		}
		// Two nonces to use, one of them unknown: the update changes one row.
		p := &plan{used: []usedNonce{{n, 1}, {"no-such-nonce", 1}}}
		err := pgApplyCommit(ctx, c, p, &state{})
		if !errors.Is(err, errLostRace) {
			t.Errorf("count differs: %v, want errLostRace", err)
		}
		if st := c.PgConn().TxStatus(); st != 'E' {
			t.Errorf("transaction status %q after the failed batch, want E (failed, not committed)", st)
		}
		pgRollback(c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckNonce(ctx, "i-1", n, t0); err != nil {
		t.Errorf("the nonce after the refused group: %v, want unused", err)
	}
}

// TestGather: the group holds every op queued within the window of its
// first, one that comes after a pause included, and two committers
// gathering at once do not split it; a full group does not wait out the
// window, and a closed store stops the gathering.
func TestGather(t *testing.T) {
	s := &Store{ops: make(chan op), closed: make(chan struct{})}
	const window = 500 * time.Millisecond
	send := func(keys ...string) {
		for _, k := range keys {
			s.ops <- op{key: k}
			time.Sleep(10 * time.Millisecond) // a pause between requests
		}
	}
	gathered := make(chan []op, 2)
	for range 2 {
		go func() {
			group, ok := s.gather(window)
			if !ok {
				t.Error("gather: closed, want a group")
			}
			gathered <- group
		}()
	}
	send("a", "b")
	if got := groupKeys(<-gathered); got != "a b" {
		t.Fatalf("first group %q, want \"a b\"", got)
	}
	send("c")
	if got := groupKeys(<-gathered); got != "c" {
		t.Errorf("second group %q, want \"c\"", got)
	}

	go func() {
		for i := range maxGroup + 1 {
			s.ops <- op{key: fmt.Sprint(i)}
		}
	}()
	done := make(chan []op)
	go func() {
		group, _ := s.gather(time.Hour)
		done <- group
	}()
	select {
	case group := <-done:
		if len(group) != maxGroup {
			t.Errorf("a full group held %d ops, want %d", len(group), maxGroup)
		}
	case <-time.After(time.Minute):
		t.Fatal("a full group waited out its window")
	}
	if group, _ := s.gather(window); groupKeys(group) != fmt.Sprint(maxGroup) {
		t.Errorf("the op after a full group: %q, want %d", groupKeys(group), maxGroup)
	}

	close(s.closed)
	if group, ok := s.gather(window); ok {
		t.Errorf("gather on a closed store: %d ops, want none", len(group))
	}
}

func groupKeys(group []op) string {
	keys := make([]string, len(group))
	for i, o := range group {
		keys[i] = o.key
	}
	return strings.Join(keys, " ")
}
