package attest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s, err := openSpool(dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r, err := s.Append(Report{Trigger: "interval"})
		if err != nil || r.Sequence != uint64(i+1) {
			t.Fatalf("append %d: seq %d %v", i, r.Sequence, err)
		}
	}
	if _, err := s.Append(Report{}); !errors.Is(err, ErrSpoolFull) {
		t.Fatalf("append past the bound: %v", err)
	}
	got, err := s.Peek(3)
	if err != nil || len(got) != 3 || got[0].Sequence != 1 || got[2].Sequence != 3 {
		t.Fatalf("peek = %+v %v", got, err)
	}
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "00000000000000000009.json.tmp"), []byte("half"), 0o600)
	// A crash after the acked file was written but before the removals.
	os.WriteFile(filepath.Join(dir, "00000000000000000002.json"), []byte("{}"), 0o600)

	s2, err := openSpool(dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Len() != 3 || s2.Next() != 6 {
		t.Fatalf("reopened: len %d next %d, want 3 and 6", s2.Len(), s2.Next())
	}
	if _, err := os.Stat(filepath.Join(dir, "00000000000000000009.json.tmp")); !os.IsNotExist(err) {
		t.Fatal("torn write left in the spool")
	}
	got, _ = s2.Peek(10)
	if len(got) != 3 || got[0].Sequence != 3 || got[0].Trigger != "interval" {
		t.Fatalf("reopened peek = %+v", got)
	}
	if err := s2.Quarantine(3); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rejected", "00000000000000000003.json")); err != nil {
		t.Fatalf("quarantined report: %v", err)
	}
	s2.Ack(5)
	s3, _ := openSpool(dir, 5)
	if s3.Len() != 0 || s3.Next() != 6 {
		t.Fatalf("after acking all: len %d next %d; the sequence must not restart", s3.Len(), s3.Next())
	}
	s3.Raise(41)
	if s3.Next() != 42 {
		t.Fatalf("Raise(41): next %d", s3.Next())
	}
	if _, err := openSpool(t.TempDir(), 0); err == nil {
		t.Fatal("bound 0 accepted")
	}
}
