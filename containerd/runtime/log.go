package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// fail reports err (if any) and returns the exit code: code[0] when given
// and not zero, else 1. A nil err with a code means runc already reported.
func (w *Wrapper) fail(inv Invocation, err error, code ...int) int {
	if err != nil {
		w.logf(inv, "error", "moat: %v", err)
	}
	if len(code) > 0 && code[0] > 0 {
		return code[0]
	}
	return 1
}

// logf writes a message to stderr and, like runc, to the --log file, where
// containerd's shim finds the last error and puts it in the error the
// client sees.
func (w *Wrapper) logf(inv Invocation, level, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintln(w.Stderr, msg)
	if inv.Log == "" {
		return
	}
	f, err := os.OpenFile(inv.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintf(w.Stderr, "moat: open runc log: %v\n", err)
		return
	}
	defer f.Close()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if inv.LogFormat == "json" {
		line, _ := json.Marshal(map[string]string{"level": level, "msg": msg, "time": now})
		fmt.Fprintf(f, "%s\n", line)
		return
	}
	fmt.Fprintf(f, "time=%q level=%s msg=%q\n", now, level, msg)
}
