package store

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"
)

// Group commit: the writes of concurrent requests (nonces, submissions,
// package requests) are ops, data rather than code, gathered into one
// transaction and answered after its one commit. A group runs in three
// steps: load the rows the ops depend on (locked FOR UPDATE on
// PostgreSQL), decide each op in Go against that state, which refuses
// an op before it writes anything (no savepoints), then apply the
// accepted writes. SQLite applies them through the driver, with
// statements prepared once on its writer connection; PostgreSQL sends
// each step as one pipelined batch of set-based statements. Within a
// group the ops are sorted by instance id, so that replicas sharing one
// PostgreSQL lock rows in the same order. If a group fails as a whole
// (a lost race with another replica, a deadlock), each of its ops is
// run again in a group of its own, so that one op's failure is never
// another's.

// maxGroup bounds the ops of one transaction.
const maxGroup = 256

// gatherWindow is how long a committer, once it holds an op, waits for
// more before it starts the group's transaction, as PostgreSQL's
// commit_delay waits for more commits to share a flush. Without it a
// group held only what had queued in the meantime, in make bench's
// paced pass (5,000 reports/s) a median of 2 ops, and each report paid
// a large share of a transaction: over twice the CPU a report cost
// under saturation. In runs alternating with and without it, 1 ms cut
// the paced pass's CPU by about a fifth on both stores (PostgreSQL's
// processes by 38%, the server by 9%); 500 µs saved about half as
// much. SQLite's saturated throughput in make bench rose from
// 10,300-10,500 reports/s to 12,950-13,350. The cost is latency: the
// paced p50 rose by 1 ms on PostgreSQL and by 2.7 ms on SQLite (one
// committer, so a write may wait for the group before its own); the
// p99s stayed within this machine's noise.
const gatherWindow = time.Millisecond

// op is one request's write. Exactly one of the pointers is set.
type op struct {
	key    string // instance id
	issue  *issueOp
	append *appendOp
	pkgs   bool // RequestPackages
	done   chan error
}

type issueOp struct {
	nonce    string
	exp, now int64
}

type appendOp struct {
	nonce string
	keyID string // "": any key
	now   int64
	// rows are the reports' rows, made by the request's goroutine before
	// the op is queued (newAppendOp): the committer, one goroutine,
	// allocating every group's rows was charged the collector's assists
	// for all of them while every request of the group waited on it.
	rows     []reportRow
	packages bool // a report carries the package list
}

// write queues o for the next group transaction and returns its error,
// or the commit's.
func (s *Store) write(ctx context.Context, o op) error {
	o.done = make(chan error, 1)
	select {
	case s.ops <- o:
	case <-s.closed:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done(): // the op may still commit; a retry finds it a duplicate
		return ctx.Err()
	}
}

var errClosed = errors.New("store closed")

// GroupObserver is told of a group transaction: how many ops it held
// and how long it took, from its first statement to the answer to its
// commit (or its failure). Each op's request waited that long for the
// database, on top of its wait for the group to start.
type GroupObserver func(ops int, took time.Duration)

// ObserveGroups has fn told of every group transaction from now on; a
// later call replaces it, and nil stops. fn runs on a committer, so it
// must be quick.
func (s *Store) ObserveGroups(fn GroupObserver) {
	if fn == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&fn)
}

func (s *Store) committer() {
	for {
		group, ok := s.gather(gatherWindow)
		if !ok {
			return
		}
		s.runGroup(group)
	}
}

// gather takes the next group: the first op queued, then every op queued
// within window of it, up to maxGroup. One committer gathers at a time,
// so that the ops of one window make one group rather than two halves;
// the next gathers while this one's transaction runs. It returns false
// once the store is closed.
func (s *Store) gather(window time.Duration) ([]op, bool) {
	s.gathering.Lock()
	defer s.gathering.Unlock()
	var first op
	select {
	case first = <-s.ops:
	case <-s.closed:
		return nil, false
	}
	group := []op{first}
	timer := time.NewTimer(window)
	defer timer.Stop()
	for len(group) < maxGroup {
		select {
		case o := <-s.ops:
			group = append(group, o)
		case <-timer.C:
			return group, true
		}
	}
	return group, true
}

func (s *Store) runGroup(group []op) {
	slices.SortStableFunc(group, func(a, b op) int { return cmp.Compare(a.key, b.key) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	var err error
	start := time.Now()
	if s.postgres {
		errs, err = s.groupPG(ctx, group)
	} else {
		errs, err = s.groupSQLite(ctx, group)
	}
	if fn := s.observer.Load(); fn != nil {
		(*fn)(len(group), time.Since(start))
	}
	if err != nil && len(group) > 1 {
		slog.Debug("store: group failed, running its ops alone", "ops", len(group), "err", err)
		for i := range group {
			s.runGroup(group[i : i+1])
		}
		return
	}
	for i, o := range group {
		if err != nil {
			o.done <- err
			continue
		}
		o.done <- errs[i]
	}
}
