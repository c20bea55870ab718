package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// IssueNonce makes a nonce for instance id that expires after ttl, and
// deletes nonces that expired before now.
func (s *Store) IssueNonce(ctx context.Context, id string, ttl time.Duration, now time.Time) (string, time.Time, error) {
	nonce, exp := randomString(), now.Add(ttl)
	err := s.write(ctx, id, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM nonces WHERE expires_at < ?"), now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO nonces (nonce, instance_id, expires_at) VALUES (?, ?, ?)"),
			nonce, id, exp.UnixNano())
		return err
	})
	if err != nil {
		return "", exp, fmt.Errorf("issue nonce: %w", err)
	}
	return nonce, exp, nil
}

// CheckNonce tells whether nonce may still be used by instance id: nil,
// ErrStaleNonce (unknown, another instance's, or expired) or ErrReplayed.
func (s *Store) CheckNonce(ctx context.Context, id, nonce string, now time.Time) error {
	return s.checkNonce(ctx, s.db, id, nonce, now)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) checkNonce(ctx context.Context, q querier, id, nonce string, now time.Time) error {
	var exp int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, s.q("SELECT expires_at, used_at FROM nonces WHERE nonce = ? AND instance_id = ?"),
		nonce, id).Scan(&exp, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrStaleNonce
	case err != nil:
		return fmt.Errorf("check nonce: %w", err)
	case used.Valid:
		return ErrReplayed
	case exp <= now.UnixNano():
		return ErrStaleNonce
	}
	return nil
}

// Digest returns the digest of instance id's stored report seq; found is
// false when there is none.
func (s *Store) Digest(ctx context.Context, id string, seq uint64) (digest string, found bool, err error) {
	err = s.db.QueryRowContext(ctx, s.q("SELECT digest FROM reports WHERE instance_id = ? AND seq = ?"),
		id, int64(seq)).Scan(&digest)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("report digest: %w", err)
	}
	return digest, true, nil
}

// Append stores reports (sequences strictly growing, all above the
// instance's last) in one transaction that also consumes nonce. It fails
// with ErrStaleNonce, ErrReplayed or ErrReordered, storing nothing, when
// another submission got there first. With no reports it only consumes
// the nonce and marks the instance seen.
func (s *Store) Append(ctx context.Context, id, nonce string, now time.Time, reports []Report) error {
	return s.write(ctx, id, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE nonces SET used_at = ? WHERE nonce = ? AND instance_id = ? AND used_at IS NULL AND expires_at > ?"),
			now.UnixNano(), nonce, id, now.UnixNano())
		if err := oneRow(res, err, errNonce); errors.Is(err, errNonce) {
			return cmp.Or(s.checkNonce(ctx, tx, id, nonce, now), ErrStaleNonce)
		} else if err != nil {
			return fmt.Errorf("append: %w", err)
		}
		if err := s.advance(ctx, tx, id, now, reports); err != nil {
			return err
		}
		return s.insert(ctx, tx, id, now, reports)
	})
}

var errNonce = errors.New("nonce not consumable")

func (s *Store) advance(ctx context.Context, tx *sql.Tx, id string, now time.Time, reports []Report) error {
	if len(reports) == 0 {
		_, err := tx.ExecContext(ctx, s.q("UPDATE instances SET last_seen = ? WHERE id = ?"), now.UnixNano(), id)
		return err
	}
	last := reports[len(reports)-1]
	latest, err := json.Marshal(last.Report)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, s.q("UPDATE instances SET last_seq = ?, last_seen = ?, latest = ? WHERE id = ? AND last_seq < ?"),
		int64(last.Sequence), now.UnixNano(), string(latest), id, int64(reports[0].Sequence))
	if err := oneRow(res, err, ErrReordered); err != nil {
		return err
	}
	if !slices.ContainsFunc(reports, func(r Report) bool { return len(r.Report.Claims.Patch.Packages) > 0 }) {
		return nil
	}
	_, err = tx.ExecContext(ctx, s.q("UPDATE instances SET packages_requested = 0 WHERE id = ?"), id)
	return err
}

// insert writes the reports with multi-row INSERTs of up to 100 rows.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, id string, now time.Time, reports []Report) error {
	for start := 0; start < len(reports); start += 100 {
		chunk := reports[start:min(start+100, len(reports))]
		var args []any
		rows := make([]string, len(chunk))
		for i, r := range chunk {
			body, err := json.Marshal(r.Report)
			if err != nil {
				return err
			}
			rows[i] = "(?, ?, ?, ?, ?, ?, ?)"
			args = append(args, id, int64(r.Sequence), now.UnixNano(), r.Report.ObservedAt.UnixNano(),
				r.Digest, string(body), string(r.Envelope))
		}
		query := "INSERT INTO reports (instance_id, seq, received_at, observed_at, digest, report, envelope) VALUES " +
			strings.Join(rows, ", ")
		if _, err := tx.ExecContext(ctx, s.q(query), args...); err != nil {
			return fmt.Errorf("append: insert: %w", err)
		}
	}
	return nil
}

// History returns instance id's reports, newest first, at most limit.
func (s *Store) History(ctx context.Context, id string, limit int) ([]Report, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT seq, received_at, digest, report, envelope FROM reports WHERE instance_id = ? ORDER BY seq DESC LIMIT ?"),
		id, limit)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		var r Report
		var seq, recv int64
		var body, env string
		if err := rows.Scan(&seq, &recv, &r.Digest, &body, &env); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		r.Sequence, r.ReceivedAt, r.Envelope = uint64(seq), time.Unix(0, recv).UTC(), []byte(env)
		if err := json.Unmarshal([]byte(body), &r.Report); err != nil {
			return nil, fmt.Errorf("history: report %d: %w", seq, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
