package daemon

import (
	"encoding/json"
	"errors"
	"io"
	"sync"

	"github.com/moat-sh/moat/daemon/status"
	"gopkg.in/natefinch/lumberjack.v2"
)

// AuditConfig is the audit block of the config file.
type AuditConfig struct {
	// File, if set, receives the audit events too, rotated by size.
	File       string `yaml:"file"`
	MaxSizeMB  int    `yaml:"maxSizeMB"`  // default 50
	MaxBackups int    `yaml:"maxBackups"` // default 5
}

// auditLog writes each audit record as one JSON line to stdout (journald)
// and, if configured, to a rotated file, and hands it to live subscribers.
type auditLog struct {
	mu    sync.Mutex
	out   []io.Writer
	file  *lumberjack.Logger
	feed  *status.Broadcaster
	count map[string]uint64 // denials by rule
}

func newAuditLog(stdout io.Writer, c AuditConfig, feed *status.Broadcaster) *auditLog {
	a := &auditLog{out: []io.Writer{stdout}, feed: feed, count: map[string]uint64{}}
	if c.File != "" {
		a.file = &lumberjack.Logger{Filename: c.File, MaxSize: orInt(c.MaxSizeMB, 50), MaxBackups: orInt(c.MaxBackups, 5)}
		a.out = append(a.out, a.file)
	}
	return a
}

// Write records one event.
func (a *auditLog) Write(r status.Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	a.mu.Lock()
	var errs []error
	for _, w := range a.out {
		if _, err := w.Write(line); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Verdict == "denied" {
		a.count[r.Rule]++
	}
	a.mu.Unlock()
	a.feed.Publish(r)
	return errors.Join(errs...)
}

// Denials returns the denial count of a rule family since start.
func (a *auditLog) Denials(rule string) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count[rule]
}

func (a *auditLog) Close() error {
	if a.file != nil {
		return a.file.Close()
	}
	return nil
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
