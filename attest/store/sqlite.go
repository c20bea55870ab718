package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SQLite's group statements, prepared once on the writer connection when
// the store opens (parsing them again for every report was two thirds
// of the committer's time).
const (
	sqlLoadInstance = "SELECT key_id, last_seq, last_seen, packages_requested FROM instances WHERE id = ?"
	sqlLoadNonce    = "SELECT instance_id, expires_at, used_at IS NOT NULL FROM nonces WHERE nonce = ?"
	sqlUseNonce     = "UPDATE nonces SET used_at = ? WHERE nonce = ? AND used_at IS NULL"
	sqlSetInstance  = "UPDATE instances SET last_seq = ?, last_seen = ?, packages_requested = ? WHERE id = ?"
	sqlInsertReport = "INSERT INTO reports (instance_id, seq, received_at, observed_at, digest, report, envelope) VALUES (?, ?, ?, ?, ?, ?, ?)"
	sqlIssueNonce   = "INSERT INTO nonces (nonce, instance_id, expires_at) VALUES (?, ?, ?)"
	sqlPurgeNonces  = "DELETE FROM nonces WHERE expires_at < ?"
)

var sqliteGroupSQL = []string{sqlLoadInstance, sqlLoadNonce, sqlUseNonce, sqlSetInstance, sqlInsertReport, sqlIssueNonce, sqlPurgeNonces}

func (s *Store) prepareSQLite(ctx context.Context) error {
	s.prepared = make(map[string]*sql.Stmt, len(sqliteGroupSQL))
	for _, q := range sqliteGroupSQL {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.prepared[q] = st
	}
	return nil
}

// sqliteTx is one group's transaction with the store's prepared
// statements bound to it.
type sqliteTx struct {
	ctx   context.Context
	tx    *sql.Tx
	s     *Store
	bound map[string]*sql.Stmt
}

func (t *sqliteTx) stmt(q string) *sql.Stmt {
	st, ok := t.bound[q]
	if !ok {
		st = t.tx.StmtContext(t.ctx, t.s.prepared[q])
		t.bound[q] = st
	}
	return st
}

// exec runs a group write that must change exactly one row (any number
// for the purge).
func (t *sqliteTx) exec(q string, args ...any) error {
	res, err := t.stmt(q).ExecContext(t.ctx, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	if q == sqlPurgeNonces {
		return nil
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s: changed %d rows: %w", q, n, errLostRace)
	}
	return nil
}

// errLostRace: a write changed other rows than the group's state said;
// the fallback to one op per transaction resolves it.
var errLostRace = errors.New("state changed under the group")

// groupSQLite runs a group in one IMMEDIATE transaction: one fsync.
// Its statements run without the group's deadline: for a context that
// can end, the driver starts a goroutine per statement to watch it (a
// fifth of the committer's allocations), and a local SQLite write
// waits on nothing but the busy_timeout, which bounds it already.
func (s *Store) groupSQLite(ctx context.Context, group []op) ([]error, error) {
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	t := &sqliteTx{ctx: ctx, tx: tx, s: s, bound: make(map[string]*sql.Stmt, len(sqliteGroupSQL))}
	st, err := t.load(group)
	if err != nil {
		return nil, err
	}
	errs, p := decide(group, st)
	if err := t.apply(p, st); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return errs, nil
}

func (t *sqliteTx) load(group []op) (*state, error) {
	ids, nonces := needs(group)
	st := &state{inst: make(map[string]*instState, len(ids)), nonces: make(map[string]*nonceState, len(nonces))}
	for _, id := range ids {
		var in instState
		err := t.stmt(sqlLoadInstance).QueryRowContext(t.ctx, id).Scan(&in.keyID, &in.seq, &in.seen, &in.pkgs)
		if err := found(err, "load instance"); err != nil {
			return nil, err
		}
		if err == nil {
			st.inst[id] = &in
		}
	}
	for _, n := range nonces {
		var ns nonceState
		err := t.stmt(sqlLoadNonce).QueryRowContext(t.ctx, n).Scan(&ns.instance, &ns.exp, &ns.used)
		if err := found(err, "load nonce"); err != nil {
			return nil, err
		}
		if err == nil {
			st.nonces[n] = &ns
		}
	}
	return st, nil
}

// found passes no error and sql.ErrNoRows, and wraps any other.
func found(err error, what string) error {
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (t *sqliteTx) apply(p *plan, st *state) error {
	for _, u := range p.used {
		if err := t.exec(sqlUseNonce, u.at, u.nonce); err != nil {
			return err
		}
	}
	for _, id := range p.instances {
		in := st.inst[id]
		if err := t.exec(sqlSetInstance, in.seq, in.seen, in.pkgs, id); err != nil {
			return err
		}
	}
	for _, r := range p.reports {
		if err := t.exec(sqlInsertReport, r.instance, r.seq, r.received, r.observed, r.digest, r.body, r.envelope); err != nil {
			return err
		}
	}
	for _, n := range p.issued {
		if err := t.exec(sqlIssueNonce, n.nonce, n.instance, n.exp); err != nil {
			return err
		}
	}
	if p.purge != 0 {
		return t.exec(sqlPurgeNonces, p.purge)
	}
	return nil
}
