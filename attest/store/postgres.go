package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL's group: one batch that begins the transaction and loads
// and locks the group's rows, and one batch of set-based writes (unnest
// arrays, one statement per kind of write whatever the group's size)
// that ends with COMMIT. Two round trips a group instead of several a
// report: each is a wait for the server and then for a Go scheduler
// busy verifying, and the reports of the group wait with it.
//
// The updates must change exactly the rows the group loaded, which it
// holds locked; as COMMIT follows them in the same batch, each checks
// its own count, and a count that differs fails the statement with a
// division by zero (SQLSTATE 22012), before COMMIT, so that the
// transaction ends rolled back.
const (
	pgLoadInstances = "SELECT id, key_id, last_seq, last_seen, packages_requested FROM instances WHERE id = ANY($1) ORDER BY id FOR UPDATE"
	pgLoadNonces    = "SELECT nonce, instance_id, expires_at, used_at IS NOT NULL FROM nonces WHERE nonce = ANY($1) ORDER BY nonce FOR UPDATE"
	pgUseNonces     = `WITH changed AS (UPDATE nonces SET used_at = u.at FROM unnest($1::text[], $2::bigint[]) AS u(nonce, at)
		WHERE nonces.nonce = u.nonce AND nonces.used_at IS NULL RETURNING 1)
		SELECT 1 / (count(*) = cardinality($1::text[]))::int FROM changed`
	pgSetInstances = `WITH changed AS (UPDATE instances SET last_seq = u.seq, last_seen = u.seen, packages_requested = u.pkgs
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(id, seq, seen, pkgs) WHERE instances.id = u.id RETURNING 1)
		SELECT 1 / (count(*) = cardinality($1::text[]))::int FROM changed`
	pgInsertReports = `INSERT INTO reports (instance_id, seq, received_at, observed_at, digest, envelope)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[])`
	pgIssueNonces  = "INSERT INTO nonces (nonce, instance_id, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])"
	pgPurgeNonces  = "DELETE FROM nonces WHERE expires_at < $1"
	pgCountDiffers = "22012" // division_by_zero: an update changed other rows than the group loaded
)

func (s *Store) groupPG(ctx context.Context, group []op) (errs []error, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connection: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		errs, err = pgGroup(ctx, dc.(*stdlib.Conn).Conn(), group)
		return err
	})
	return errs, err
}

func pgGroup(ctx context.Context, c *pgx.Conn, group []op) (errs []error, err error) {
	defer func() {
		if err != nil {
			pgRollback(c)
		}
	}()
	st, err := pgLoad(ctx, c, group)
	if err != nil {
		return nil, err
	}
	errs, p := decide(group, st)
	if err := pgApplyCommit(ctx, c, p, st); err != nil {
		return nil, err
	}
	return errs, nil
}

// pgRollback ends a group's transaction that failed, if the connection
// is still in one; a connection that cannot is closed by pgx and
// replaced by the pool.
func pgRollback(c *pgx.Conn) {
	if c.PgConn().TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Exec(ctx, "ROLLBACK")
}

// pgLoad begins the transaction and loads the rows the group depends
// on, locked, in one batch.
func pgLoad(ctx context.Context, c *pgx.Conn, group []op) (*state, error) {
	ids, nonces := needs(group)
	st := &state{inst: make(map[string]*instState, len(ids)), nonces: make(map[string]*nonceState, len(nonces))}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if len(ids) > 0 {
		b.Queue(pgLoadInstances, ids).Query(func(rows pgx.Rows) error {
			var id string
			var in instState
			_, err := pgx.ForEachRow(rows, []any{&id, &in.keyID, &in.seq, &in.seen, &in.pkgs}, func() error {
				st.inst[id] = &instState{keyID: in.keyID, seq: in.seq, seen: in.seen, pkgs: in.pkgs}
				return nil
			})
			return err
		})
	}
	if len(nonces) > 0 {
		b.Queue(pgLoadNonces, nonces).Query(func(rows pgx.Rows) error {
			var n string
			var ns nonceState
			_, err := pgx.ForEachRow(rows, []any{&n, &ns.instance, &ns.exp, &ns.used}, func() error {
				st.nonces[n] = &nonceState{instance: ns.instance, exp: ns.exp, used: ns.used}
				return nil
			})
			return err
		})
	}
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("begin and load: %w", err)
	}
	return st, nil
}

// pgApplyCommit writes the group's plan and commits, in one batch.
func pgApplyCommit(ctx context.Context, c *pgx.Conn, p *plan, st *state) error {
	b := &pgx.Batch{}
	queue := func(n int, q string, args ...any) {
		if n > 0 {
			b.Queue(q, args...)
		}
	}
	queue(len(p.used), pgUseNonces, usedColumns(p.used)...)
	queue(len(p.instances), pgSetInstances, instanceColumns(p.instances, st)...)
	queue(len(p.reports), pgInsertReports, reportColumns(p.reports)...)
	queue(len(p.issued), pgIssueNonces, issuedColumns(p.issued)...)
	if p.purge != 0 {
		b.Queue(pgPurgeNonces, p.purge)
	}
	b.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
		if ct.String() == "ROLLBACK" { // the answer to COMMIT in a failed transaction
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
	err := c.SendBatch(ctx, b).Close()
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == pgCountDiffers:
		return fmt.Errorf("apply: %s: %w", pe.Message, errLostRace)
	case err != nil:
		return fmt.Errorf("apply and commit: %w", err)
	}
	return nil
}

// The columns of the set-based writes, one array each.

func usedColumns(used []usedNonce) []any {
	nonces, at := make([]string, len(used)), make([]int64, len(used))
	for i, u := range used {
		nonces[i], at[i] = u.nonce, u.at
	}
	return []any{nonces, at}
}

func instanceColumns(ids []string, st *state) []any {
	seq, seen, pkgs := make([]int64, len(ids)), make([]int64, len(ids)), make([]int64, len(ids))
	for i, id := range ids {
		in := st.inst[id]
		seq[i], seen[i], pkgs[i] = in.seq, in.seen, in.pkgs
	}
	return []any{ids, seq, seen, pkgs}
}

func reportColumns(rows []reportRow) []any {
	n := len(rows)
	ids, digests, envs := make([]string, n), make([]string, n), make([]string, n)
	seqs, recv, obs := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, r := range rows {
		ids[i], seqs[i], recv[i], obs[i] = r.instance, r.seq, r.received, r.observed
		digests[i], envs[i] = r.digest, r.envelope
	}
	return []any{ids, seqs, recv, obs, digests, envs}
}

func issuedColumns(issued []issuedNonce) []any {
	nonces, ids, exp := make([]string, len(issued)), make([]string, len(issued)), make([]int64, len(issued))
	for i, n := range issued {
		nonces[i], ids[i], exp[i] = n.nonce, n.instance, n.exp
	}
	return []any{nonces, ids, exp}
}
