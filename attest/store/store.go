package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Errors, checked with errors.Is.
var (
	ErrUnknownInstance = errors.New("unknown instance")
	ErrBadToken        = errors.New("enrolment token unknown, used, expired or for another instance")
	ErrStaleNonce      = errors.New("nonce unknown or expired")
	ErrReplayed        = errors.New("nonce already used")
	ErrReordered       = errors.New("sequence does not grow")
)

// Store is a handle on one database. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	postgres bool
	ops      chan op        // to the group committer
	closed   chan struct{}  // closed by Close
	stopped  sync.WaitGroup // the group committers
}

// Open opens the store named by dsn: a postgres:// or postgresql:// URL
// for PostgreSQL, else a SQLite file path. It applies the migrations.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{postgres: strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")}
	var err error
	if s.postgres {
		s.db, err = sql.Open("pgx", dsn)
	} else {
		s.db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	s.ops, s.closed = make(chan op), make(chan struct{})
	committers := 1 // SQLite has one writer
	if s.postgres {
		committers = 8
	}
	for range committers {
		s.stopped.Go(s.committer)
	}
	return s, nil
}

func openSQLite(path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite path is empty")
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer; requests queue instead of failing busy
	return db, nil
}

// Close stops the group committer and closes the database. Writes after
// Close fail.
func (s *Store) Close() error {
	select {
	case <-s.closed:
		return nil
	default:
	}
	close(s.closed)
	s.stopped.Wait()
	return s.db.Close()
}

// Postgres tells whether the store is PostgreSQL.
func (s *Store) Postgres() bool { return s.postgres }

// q rewrites ? placeholders to $n for PostgreSQL.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if s.postgres { // replicas starting together migrate one at a time
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(727368)"); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := s.applyAll(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) applyAll(ctx context.Context, tx *sql.Tx) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	for i, name := range names {
		version := i + 1
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), version).Scan(&n); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, _ := migrations.ReadFile(name)
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version) VALUES (?)"), version); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}
