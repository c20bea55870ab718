package daemon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-sh/moat/daemon/status"
)

func TestAuditLogWritesJSONLinesEverywhere(t *testing.T) {
	var stdout bytes.Buffer
	file := filepath.Join(t.TempDir(), "audit.log")
	feed := status.NewBroadcaster()
	sub, stop := feed.Subscribe()
	defer stop()
	a := newAuditLog(&stdout, AuditConfig{File: file}, feed)
	recs := []status.Record{
		{Rule: "exec", Verdict: "denied", Comm: "sh", Path: "/bin/sh"},
		{Rule: "root", Verdict: "audited", Path: "/etc/passwd"},
		{Rule: "exec", Verdict: "denied", Comm: "bash"},
	}
	for _, r := range recs {
		if err := a.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	fileBytes, _ := os.ReadFile(file)
	for name, b := range map[string][]byte{"stdout": stdout.Bytes(), "file": fileBytes} {
		sc := bufio.NewScanner(bytes.NewReader(b))
		n := 0
		for sc.Scan() {
			var r status.Record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s line %d: %v", name, n, err)
			}
			if r.Rule != recs[n].Rule {
				t.Errorf("%s line %d: rule %s, want %s", name, n, r.Rule, recs[n].Rule)
			}
			n++
		}
		if n != len(recs) {
			t.Errorf("%s has %d lines, want %d", name, n, len(recs))
		}
	}
	if a.Denials("exec") != 2 || a.Denials("root") != 0 {
		t.Errorf("denials exec=%d root=%d, want 2 and 0 (audited is no denial)", a.Denials("exec"), a.Denials("root"))
	}
	if len(sub) != 3 {
		t.Errorf("subscriber got %d records, want 3", len(sub))
	}
}
