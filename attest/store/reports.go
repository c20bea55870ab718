package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/moat-sh/moat/attest"
)

// IssueNonce makes a nonce for instance id that expires after ttl, and
// deletes nonces that expired before now.
func (s *Store) IssueNonce(ctx context.Context, id string, ttl time.Duration, now time.Time) (string, time.Time, error) {
	nonce, exp := randomString(), now.Add(ttl)
	err := s.write(ctx, op{key: id, issue: &issueOp{nonce: nonce, exp: exp.UnixNano(), now: now.UnixNano()}})
	if err != nil {
		return "", exp, fmt.Errorf("issue nonce: %w", err)
	}
	return nonce, exp, nil
}

// CheckNonce tells whether nonce may still be used by instance id: nil,
// ErrStaleNonce (unknown, another instance's, or expired) or ErrReplayed.
func (s *Store) CheckNonce(ctx context.Context, id, nonce string, now time.Time) error {
	var exp int64
	var used sql.NullInt64
	err := s.queryRow(ctx, "SELECT expires_at, used_at FROM nonces WHERE nonce = ? AND instance_id = ?",
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
	err = s.queryRow(ctx, "SELECT digest FROM reports WHERE instance_id = ? AND seq = ?",
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
	return s.AppendFor(ctx, id, "", nonce, now, reports)
}

// AppendFor is Append for reports verified with the key keyID (as
// Enrolment.KeyID), refused with ErrKeyChanged, storing nothing, when the
// instance is no longer enrolled with that key; "" accepts any key.
func (s *Store) AppendFor(ctx context.Context, id, keyID, nonce string, now time.Time, reports []Report) error {
	err := s.write(ctx, op{key: id, append: newAppendOp(id, keyID, nonce, now.UnixNano(), reports)})
	switch {
	case err == nil, errors.Is(err, ErrStaleNonce), errors.Is(err, ErrReplayed), errors.Is(err, ErrReordered),
		errors.Is(err, ErrKeyChanged):
		return err
	}
	return fmt.Errorf("append: %w", err)
}

// History returns instance id's reports, newest first, at most limit.
func (s *Store) History(ctx context.Context, id string, limit int) ([]Report, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q("SELECT seq, received_at, digest, envelope FROM reports WHERE instance_id = ? ORDER BY seq DESC LIMIT ?"),
		id, limit)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		var r Report
		var seq, recv int64
		var env string
		if err := rows.Scan(&seq, &recv, &r.Digest, &env); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		r.Sequence, r.ReceivedAt, r.Envelope = uint64(seq), time.Unix(0, recv).UTC(), []byte(env)
		r.Report, err = attest.StoredReport(r.Envelope)
		if err != nil {
			return nil, fmt.Errorf("history: report %d: %w", seq, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
