package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
)

// SQLite's group statements, prepared once on the writer connection
// (parsing them again for every report was two thirds of the
// committer's time).
const (
	sqlLoadInstance = "SELECT key_id, last_seq, last_seen, packages_requested FROM instances WHERE id = ?"
	sqlLoadNonce    = "SELECT instance_id, expires_at, used_at IS NOT NULL FROM nonces WHERE nonce = ?"
	sqlUseNonce     = "UPDATE nonces SET used_at = ? WHERE nonce = ? AND used_at IS NULL"
	sqlSetInstance  = "UPDATE instances SET last_seq = ?, last_seen = ?, packages_requested = ? WHERE id = ?"
	sqlInsertReport = "INSERT INTO reports (instance_id, seq, received_at, observed_at, digest, envelope) VALUES (?, ?, ?, ?, ?, ?)"
	sqlIssueNonce   = "INSERT INTO nonces (nonce, instance_id, expires_at) VALUES (?, ?, ?)"
	sqlPurgeNonces  = "DELETE FROM nonces WHERE expires_at < ?"
)

var sqliteGroupSQL = []string{sqlLoadInstance, sqlLoadNonce, sqlUseNonce, sqlSetInstance, sqlInsertReport, sqlIssueNonce, sqlPurgeNonces}

// sqliteDriverConn is what the group needs of the SQLite driver's
// connection.
type sqliteDriverConn interface {
	driver.ConnPrepareContext
	driver.ConnBeginTx
}

// sqliteWriter holds the group statements, prepared through the driver
// on SQLite's one writer connection. The group runs on the driver's
// connection itself: database/sql would start a goroutine
// to watch every statement of a transaction (two a report, and one a
// group), convert every argument, and allocate its rows.
type sqliteWriter struct {
	conn  sqliteDriverConn // nil before the first group
	stmts map[string]driver.Stmt
}

// on prepares the group statements on conn unless they were prepared on
// it already: for the first group, and on a connection database/sql
// opened again.
func (w *sqliteWriter) on(ctx context.Context, conn sqliteDriverConn) error {
	if w.conn == conn {
		return nil
	}
	// Statements of a connection database/sql closed (after a driver
	// error) are dropped, not closed: closing them would use that
	// connection's driver state, which is gone. SQLite keeps the few
	// KB they hold until the process ends.
	w.conn, w.stmts = nil, nil
	stmts := make(map[string]driver.Stmt, len(sqliteGroupSQL))
	for _, q := range sqliteGroupSQL {
		st, err := conn.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range stmts {
				st.Close()
			}
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		stmts[q] = st
	}
	w.conn, w.stmts = conn, stmts
	return nil
}

// withWriter runs fn on SQLite's writer connection, held through
// database/sql (which the store's other writes queue for), and with its
// statements prepared on it.
func (s *Store) withWriter(ctx context.Context, fn func(c sqliteDriverConn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("writer connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(sqliteDriverConn)
		if !ok {
			return fmt.Errorf("sqlite driver connection %T cannot prepare or begin", dc)
		}
		if err := s.writer.on(ctx, c); err != nil {
			return err
		}
		return fn(c)
	})
}

// prepareWriter prepares the group statements when the store opens, so
// that a schema they do not fit fails Open, not every write after it.
func (s *Store) prepareWriter(ctx context.Context) error {
	return s.withWriter(ctx, func(sqliteDriverConn) error { return nil })
}

// closeWriter closes the writer's statements, once the committer has
// stopped.
func (s *Store) closeWriter() {
	s.withWriter(context.Background(), func(sqliteDriverConn) error {
		for _, st := range s.writer.stmts {
			st.Close()
		}
		s.writer.conn, s.writer.stmts = nil, nil
		return nil
	})
}

// sqliteTx is one group's transaction on the writer connection.
type sqliteTx struct {
	ctx  context.Context
	w    *sqliteWriter
	args []driver.NamedValue
	row  []driver.Value
}

func (t *sqliteTx) bind(args []any) []driver.NamedValue {
	t.args = t.args[:0]
	for i, a := range args {
		t.args = append(t.args, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	return t.args
}

// exec runs a group write that must change exactly one row (any number
// for the purge).
func (t *sqliteTx) exec(q string, args ...any) error {
	res, err := t.w.stmts[q].(driver.StmtExecContext).ExecContext(t.ctx, t.bind(args))
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

// queryRow reads the one row of q into t.row; false if there is none.
func (t *sqliteTx) queryRow(q string, args ...any) (bool, error) {
	rows, err := t.w.stmts[q].(driver.StmtQueryContext).QueryContext(t.ctx, t.bind(args))
	if err != nil {
		return false, fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	t.row = slices.Grow(t.row[:0], len(rows.Columns()))[:len(rows.Columns())]
	switch err := rows.Next(t.row); {
	case errors.Is(err, io.EOF):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%s: %w", q, err)
	}
	return true, nil
}

// errLostRace: a write changed other rows than the group's state said;
// the fallback to one op per transaction resolves it.
var errLostRace = errors.New("state changed under the group")

// groupSQLite runs a group in one IMMEDIATE transaction (the DSN's
// _txlock): one fsync. Its statements run without the group's
// deadline: for a context that can end, the driver starts a goroutine
// per statement to watch it, and a local SQLite write waits on nothing
// but the busy_timeout, which bounds it already.
func (s *Store) groupSQLite(ctx context.Context, group []op) (errs []error, err error) {
	ctx = context.WithoutCancel(ctx)
	err = s.withWriter(ctx, func(c sqliteDriverConn) error {
		tx, err := c.BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		t := &sqliteTx{ctx: ctx, w: &s.writer}
		if errs, err = t.run(group); err == nil {
			if err = tx.Commit(); err == nil {
				return nil
			}
			err = fmt.Errorf("commit: %w", err)
		}
		tx.Rollback() // after a failed commit, too: SQLite may keep the transaction open
		return err
	})
	return errs, err
}

func (t *sqliteTx) run(group []op) ([]error, error) {
	st, err := t.load(group)
	if err != nil {
		return nil, err
	}
	errs, p := decide(group, st)
	return errs, t.apply(p, st)
}

func (t *sqliteTx) load(group []op) (*state, error) {
	ids, nonces := needs(group)
	st := &state{inst: make(map[string]*instState, len(ids)), nonces: make(map[string]*nonceState, len(nonces))}
	for _, id := range ids {
		found, err := t.queryRow(sqlLoadInstance, id)
		if err != nil {
			return nil, fmt.Errorf("load instance: %w", err)
		}
		if found {
			var in instState
			if err := scanDriver(t.row, &in.keyID, &in.seq, &in.seen, &in.pkgs); err != nil {
				return nil, fmt.Errorf("load instance %s: %w", id, err)
			}
			st.inst[id] = &in
		}
	}
	for _, n := range nonces {
		found, err := t.queryRow(sqlLoadNonce, n)
		if err != nil {
			return nil, fmt.Errorf("load nonce: %w", err)
		}
		if found {
			var ns nonceState
			var used int64
			if err := scanDriver(t.row, &ns.instance, &ns.exp, &used); err != nil {
				return nil, fmt.Errorf("load nonce: %w", err)
			}
			ns.used = used != 0
			st.nonces[n] = &ns
		}
	}
	return st, nil
}

// scanDriver copies a driver row into strings and int64s: the only
// types of the group's columns.
func scanDriver(row []driver.Value, dest ...any) error {
	if len(row) != len(dest) {
		return fmt.Errorf("%d columns, want %d", len(row), len(dest))
	}
	for i, v := range row {
		switch d := dest[i].(type) {
		case *string:
			switch v := v.(type) {
			case string:
				*d = v
			case []byte:
				*d = string(v)
			default:
				return fmt.Errorf("column %d: %T, want text", i, v)
			}
		case *int64:
			n, ok := v.(int64)
			if !ok {
				return fmt.Errorf("column %d: %T, want an integer", i, v)
			}
			*d = n
		}
	}
	return nil
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
		if err := t.exec(sqlInsertReport, r.instance, r.seq, r.received, r.observed, r.digest, r.envelope); err != nil {
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
