package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// event is one audit record of moatd (daemon/status.Record), the fields
// the demo shows.
type event struct {
	Rule       string `json:"rule"`
	Check      string `json:"check"`
	Hook       string `json:"hook"`
	Verdict    string `json:"verdict"`
	Comm       string `json:"comm"`
	Container  string `json:"container"`
	Capability string `json:"capability"`
	Path       string `json:"path"`
	Target     string `json:"target"`
}

func (e event) String() string {
	s := fmt.Sprintf("audit: %s %s/%s comm=%s", e.Verdict, e.Rule, e.Check, e.Comm)
	for _, kv := range [][2]string{{"path", e.Path}, {"target", e.Target}, {"cap", e.Capability}, {"container", e.Container}} {
		if kv[1] != "" {
			s += " " + kv[0] + "=" + kv[1]
		}
	}
	return s
}

// mark is a position in a log file, to read what came after it.
type mark struct {
	path string
	off  int64
}

func markOf(path string) mark {
	st, err := os.Stat(path)
	if err != nil {
		return mark{path: path}
	}
	return mark{path: path, off: st.Size()}
}

// lines are the log's lines written since the mark.
func (m mark) lines() []string {
	f, err := os.Open(m.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() < m.off {
		m.off = 0 // rotated
	}
	f.Seek(m.off, 0)
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// audit waits up to 3 s for want audit events since the mark that match,
// and describes those found (at most three).
func (m mark) audit(want int, match func(event) bool) (string, bool) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		var found []string
		for _, l := range m.lines() {
			var e event
			if json.Unmarshal([]byte(l), &e) == nil && e.Verdict != "" && match(e) {
				found = append(found, e.String())
			}
		}
		if len(found) >= want || time.Now().After(deadline) {
			if len(found) > 3 {
				found = append(found[:3], fmt.Sprintf("(+%d more)", len(found)-3))
			}
			return strings.Join(found, "; "), len(found) > 0
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// rule matches the denials of one rule family.
func rule(name string) func(event) bool {
	return func(e event) bool { return e.Rule == name && e.Verdict == "denied" }
}

// anyDenial matches every denial.
func anyDenial(e event) bool { return e.Verdict == "denied" }
