package result

import (
	"fmt"
	"strings"
)

// Result is one promise's outcome.
type Result struct {
	ID       string // short name, e.g. "exec"
	OK       bool
	Promise  string // what was promised, one sentence
	Evidence string // what was seen: the client's error, the audit event; the reason when it failed
}

// String is the result's line, without a newline; newlines in the
// evidence become " | " so that one result stays one line.
func (r Result) String() string {
	verdict := "FAIL"
	if r.OK {
		verdict = "PASS"
	}
	ev := strings.Join(strings.Fields(strings.ReplaceAll(r.Evidence, "\n", " | ")), " ")
	return fmt.Sprintf("%s %s: %s: %s", verdict, r.ID, r.Promise, ev)
}

// Parse reads a result line; ok is false for any other line.
func Parse(line string) (r Result, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	verdict, rest, found := strings.Cut(line, " ")
	if !found || (verdict != "PASS" && verdict != "FAIL") {
		return Result{}, false
	}
	id, rest, found := strings.Cut(rest, ": ")
	if !found || id == "" || strings.ContainsAny(id, " \t") {
		return Result{}, false
	}
	promise, evidence, _ := strings.Cut(rest, ": ")
	return Result{ID: id, OK: verdict == "PASS", Promise: promise, Evidence: evidence}, true
}

// Promises are the scenario's promises in the order it checks them; the
// driver reports a missing one as failed.
var Promises = []Result{
	{ID: "task", Promise: "a task starts and its shell works inside its container"},
	{ID: "exec", Promise: "a shell started in the host context is refused; a copied shell is refused"},
	{ID: "root", Promise: "a write to /, a remount read-write and a mount over /usr are refused"},
	{ID: "caps", Promise: "CAP_NET_ADMIN is refused, then admitted once the capacity provider opts in, and the task adds a network link"},
	{ID: "mcs", Promise: "two tasks cannot read each other's files (MCS)"},
	{ID: "single", Promise: "in single-task placement a second task is refused"},
	{ID: "killed", Promise: "killing moatd leaves every rule enforced"},
	{ID: "attest", Promise: "the attestation server lists the instance as compliant, with its drain-by and terminate-by"},
	{ID: "drain", Promise: "with the clock moved forward the instance drains in its window: SIGTERM, stopped within the stop timeout, the server shows it draining"},
}

// Missing returns a failed result for each promise that got none.
func Missing(got []Result) []Result {
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.ID] = true
	}
	var out []Result
	for _, p := range Promises {
		if !seen[p.ID] {
			p.Evidence = "no result: the scenario ended before it checked this promise"
			out = append(out, p)
		}
	}
	return out
}
