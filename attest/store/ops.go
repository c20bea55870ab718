package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/moat-sh/moat/attest"
)

// Instance is an enrolled instance and what it last reported.
type Instance struct {
	ID         string
	Alg        string
	PublicKey  []byte // PKIX DER
	KeyID      string
	EnrolledAt time.Time
	LastSeq    uint64
	LastSeen   time.Time      // zero before the first report
	Latest     *attest.Report // nil before the first report
	// PackagesRequested: an operator asked for the package list.
	PackagesRequested bool
}

// Report is one stored report.
type Report struct {
	Sequence   uint64
	ReceivedAt time.Time
	Digest     string // attest.ReportDigest of Report
	Report     attest.Report
	// Envelope is the DSSE envelope as received, which carries Report:
	// it is the one copy stored, and reads take Report from it.
	Envelope []byte
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a one-time enrolment token for instanceID, valid
// for ttl. Only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, instanceID string, ttl time.Duration, now time.Time) (string, error) {
	if instanceID == "" {
		return "", errors.New("create token: instance id is empty")
	}
	token := randomString()
	_, err := s.db.ExecContext(ctx, s.q("INSERT INTO tokens (hash, instance_id, expires_at) VALUES (?, ?, ?)"),
		hashToken(token), instanceID, now.Add(ttl).UnixNano())
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return token, nil
}

// Enrol consumes token and records the instance's public key; enrolling
// again with a fresh token replaces the key and keeps the last sequence,
// which it returns.
func (s *Store) Enrol(ctx context.Context, token, instanceID string, v *attest.Verifier, now time.Time) (uint64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("enrol: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.q("UPDATE tokens SET used_at = ? WHERE hash = ? AND instance_id = ? AND used_at IS NULL AND expires_at > ?"),
		now.UnixNano(), hashToken(token), instanceID, now.UnixNano())
	if err := oneRow(res, err, ErrBadToken); err != nil {
		return 0, err
	}
	id, _ := v.KeyID()
	key := base64.StdEncoding.EncodeToString(v.PublicDER())
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO instances (id, alg, public_key, key_id, enrolled_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET alg = excluded.alg, public_key = excluded.public_key, key_id = excluded.key_id, enrolled_at = excluded.enrolled_at`),
		instanceID, v.Alg(), key, id, now.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("enrol: %w", err)
	}
	var last int64
	if err := tx.QueryRowContext(ctx, s.q("SELECT last_seq FROM instances WHERE id = ?"), instanceID).Scan(&last); err != nil {
		return 0, fmt.Errorf("enrol: %w", err)
	}
	return uint64(last), tx.Commit()
}

func oneRow(res sql.Result, err, none error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return none
	}
	return nil
}

// instanceSelect reads instances with the envelope of their latest
// report: the one at last_seq (stored once, in reports).
const instanceSelect = `SELECT i.id, i.alg, i.public_key, i.key_id, i.enrolled_at, i.last_seq, i.last_seen, r.envelope, i.packages_requested
	FROM instances i LEFT JOIN reports r ON r.instance_id = i.id AND r.seq = i.last_seq`

// Instance returns one enrolled instance, or ErrUnknownInstance.
func (s *Store) Instance(ctx context.Context, id string) (Instance, error) {
	row := s.queryRow(ctx, instanceSelect+" WHERE i.id = ?", id)
	inst, err := scanInstance(row)
	if errors.Is(err, sql.ErrNoRows) {
		return inst, ErrUnknownInstance
	}
	return inst, err
}

// Instances lists every enrolled instance by id.
func (s *Store) Instances(ctx context.Context) ([]Instance, error) {
	rows, err := s.rdb.QueryContext(ctx, instanceSelect+" ORDER BY i.id")
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	defer rows.Close()
	var out []Instance
	for rows.Next() {
		inst, err := scanInstance(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inst)
	}
	return out, rows.Err()
}

func scanInstance(row interface{ Scan(...any) error }) (Instance, error) {
	var inst Instance
	var key string
	var enrolled, seq, seen, pkgs int64
	var latest sql.NullString
	if err := row.Scan(&inst.ID, &inst.Alg, &key, &inst.KeyID, &enrolled, &seq, &seen, &latest, &pkgs); err != nil {
		return inst, err
	}
	inst.PackagesRequested = pkgs != 0
	inst.PublicKey, _ = base64.StdEncoding.DecodeString(key)
	inst.EnrolledAt, inst.LastSeq = time.Unix(0, enrolled).UTC(), uint64(seq)
	if seen != 0 {
		inst.LastSeen = time.Unix(0, seen).UTC()
	}
	if latest.Valid {
		r, err := attest.StoredReport([]byte(latest.String))
		if err != nil {
			return inst, fmt.Errorf("instance %s: latest report: %w", inst.ID, err)
		}
		inst.Latest = &r
	}
	return inst, nil
}

// RequestPackages asks instance id for its package list: nonce replies
// say so until a report carrying the list is stored.
func (s *Store) RequestPackages(ctx context.Context, id string) error {
	return s.write(ctx, op{key: id, pkgs: true})
}

// Enrolment is what a submission needs of its instance.
type Enrolment struct {
	PublicKey []byte // PKIX DER
	KeyID     string // hex SHA-256 of PublicKey
	LastSeq   uint64
}

// Enrolled returns instance id's key and last sequence, or
// ErrUnknownInstance; cheaper than Instance.
func (s *Store) Enrolled(ctx context.Context, id string) (Enrolment, error) {
	var e Enrolment
	var key string
	var seq int64
	err := s.queryRow(ctx, "SELECT public_key, key_id, last_seq FROM instances WHERE id = ?", id).Scan(&key, &e.KeyID, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrUnknownInstance
	}
	if err != nil {
		return e, fmt.Errorf("instance %s: %w", id, err)
	}
	e.LastSeq = uint64(seq)
	if e.PublicKey, err = base64.StdEncoding.DecodeString(key); err != nil {
		return e, fmt.Errorf("instance %s: stored key: %w", id, err)
	}
	return e, nil
}
