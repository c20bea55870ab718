package attest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ErrSpoolFull is returned by spool.Append when the spool holds its bound.
var ErrSpoolFull = errors.New("attestation spool full")

// spool is the reporter's durable queue of unsent reports: one fsync'd
// file per report, named by its sequence, in a folder. It assigns the
// sequences, keeps them in order, and remembers the last acknowledged one
// so that a report is never sent twice after a restart.
type spool struct {
	dir   string
	max   int
	mu    sync.Mutex
	seqs  []uint64 // pending, ascending
	next  uint64
	acked uint64
}

const (
	spoolExt  = ".json"
	ackedFile = "acked"
)

// openSpool opens or creates the spool in dir, holding at most max reports.
func openSpool(dir string, max int) (*spool, error) {
	if max < 1 {
		return nil, fmt.Errorf("spool bound %d: want at least 1", max)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool: %w", err)
	}
	s := &spool{dir: dir, max: max}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *spool) load() error {
	if b, err := os.ReadFile(filepath.Join(s.dir, ackedFile)); err == nil {
		if s.acked, err = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err != nil {
			return fmt.Errorf("spool %s: %w", ackedFile, err)
		}
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("read spool: %w", err)
	}
	for _, e := range ents {
		s.loadEntry(e.Name())
	}
	slices.Sort(s.seqs)
	s.next = s.acked + 1
	if n := len(s.seqs); n > 0 {
		s.next = max(s.next, s.seqs[n-1]+1)
	}
	return nil
}

func (s *spool) loadEntry(name string) {
	path := filepath.Join(s.dir, name)
	if strings.HasSuffix(name, ".tmp") {
		os.Remove(path) // a write that never completed: never acknowledged to the caller
		return
	}
	seq, err := strconv.ParseUint(strings.TrimSuffix(name, spoolExt), 10, 64)
	if err != nil || !strings.HasSuffix(name, spoolExt) {
		return
	}
	if seq <= s.acked {
		os.Remove(path) // acknowledged before a crash, not yet removed
		return
	}
	s.seqs = append(s.seqs, seq)
}

func (s *spool) path(seq uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d%s", seq, spoolExt))
}

// Append numbers r with the next sequence and stores it durably.
func (s *spool) Append(r Report) (Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seqs) >= s.max {
		return r, fmt.Errorf("%w: %d reports unsent", ErrSpoolFull, len(s.seqs))
	}
	r.Sequence = s.next
	b, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("spool report: %w", err)
	}
	if err := writeFileSync(s.path(r.Sequence), b, 0o600); err != nil {
		return r, err
	}
	s.seqs = append(s.seqs, r.Sequence)
	s.next++
	return r, nil
}

// Peek returns up to n of the oldest unsent reports, in order.
func (s *spool) Peek(n int) ([]Report, error) {
	s.mu.Lock()
	seqs := slices.Clone(s.seqs[:min(n, len(s.seqs))])
	s.mu.Unlock()
	out := make([]Report, 0, len(seqs))
	for _, seq := range seqs {
		b, err := os.ReadFile(s.path(seq))
		if err != nil {
			return nil, fmt.Errorf("read spooled report %d: %w", seq, err)
		}
		var r Report
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("spooled report %d: %w", seq, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Ack records that every report up to seq is stored upstream and
// removes them.
func (s *spool) Ack(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.acked {
		return nil
	}
	if err := writeFileSync(filepath.Join(s.dir, ackedFile), []byte(strconv.FormatUint(seq, 10)), 0o600); err != nil {
		return err
	}
	s.acked = seq
	for len(s.seqs) > 0 && s.seqs[0] <= seq {
		os.Remove(s.path(s.seqs[0]))
		s.seqs = s.seqs[1:]
	}
	s.next = max(s.next, seq+1)
	return nil
}

// Quarantine moves one report that the server refuses for good to the
// rejected/ subfolder, where it stays for an operator to read.
func (s *spool) Quarantine(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dst := filepath.Join(s.dir, "rejected")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	if err := os.Rename(s.path(seq), filepath.Join(dst, filepath.Base(s.path(seq)))); err != nil {
		return fmt.Errorf("quarantine report %d: %w", seq, err)
	}
	s.seqs = slices.DeleteFunc(s.seqs, func(q uint64) bool { return q == seq })
	return syncDir(s.dir)
}

// Raise makes the next sequence at least above last (the server's last
// stored sequence, told at enrolment).
func (s *spool) Raise(last uint64) error {
	s.mu.Lock()
	up := last >= s.next && len(s.seqs) == 0
	s.mu.Unlock()
	if !up {
		return nil
	}
	return s.Ack(last)
}

// Len is the number of unsent reports; Max is the bound.
func (s *spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seqs)
}

// Max is the spool's bound.
func (s *spool) Max() int { return s.max }

// Next is the sequence the next report will get.
func (s *spool) Next() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next
}
