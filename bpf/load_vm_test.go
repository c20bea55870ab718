//go:build vmtest

package bpf

import (
	"testing"
)

func load(t *testing.T, cfg Config) *Enforcer {
	t.Helper()
	e, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
