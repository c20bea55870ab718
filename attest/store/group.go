package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Group commit: the writes of concurrent requests (nonces, submissions)
// run in one transaction, each inside its own savepoint so that one
// refusal undoes only its own work, and are answered after the one
// commit. With SQLite that is one fsync for many requests. Within a group
// the ops run sorted by instance id, so that two replicas' groups on
// PostgreSQL lock instance rows in the same order.

// maxGroup bounds the ops of one transaction.
const maxGroup = 128

type op struct {
	key  string // instance id
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

// write runs fn in the next group transaction and returns its error, or
// the commit's.
func (s *Store) write(ctx context.Context, key string, fn func(context.Context, *sql.Tx) error) error {
	o := op{key: key, fn: fn, done: make(chan error, 1)}
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

func (s *Store) committer() {
	for {
		var first op
		select {
		case first = <-s.ops:
		case <-s.closed:
			return
		}
		group := []op{first}
	drain:
		for len(group) < maxGroup {
			select {
			case o := <-s.ops:
				group = append(group, o)
			default:
				break drain
			}
		}
		s.runGroup(group)
	}
}

func (s *Store) runGroup(group []op) {
	slices.SortStableFunc(group, func(a, b op) int { return cmp.Compare(a.key, b.key) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make([]error, len(group))
	err := s.groupTx(ctx, group, errs)
	for i, o := range group {
		if err != nil {
			errs[i] = err
		}
		o.done <- errs[i]
	}
}

func (s *Store) groupTx(ctx context.Context, group []op, errs []error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if len(group) == 1 { // alone: no savepoint needed, a failure rolls back
		if errs[0] = group[0].fn(ctx, tx); errs[0] != nil {
			return nil
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	for i, o := range group {
		var broken error
		if errs[i], broken = savepoint(ctx, tx, o.fn); broken != nil {
			return broken
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// savepoint runs fn so that its failure undoes only its own writes. It
// returns fn's error, and broken when the transaction can go no further.
func savepoint(ctx context.Context, tx *sql.Tx, fn func(context.Context, *sql.Tx) error) (err, broken error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
		return err, fmt.Errorf("savepoint: %w", err)
	}
	if err = fn(ctx, tx); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT op"); rerr != nil {
			return err, fmt.Errorf("rollback to savepoint: %w", rerr)
		}
	}
	if _, rerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT op"); rerr != nil {
		return err, fmt.Errorf("release savepoint: %w", rerr)
	}
	return err, nil
}
