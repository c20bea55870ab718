//go:build vmtest && !moatbpf

package vm

import "testing"

// moatConfigs is the stub until package bpf lands on main: no "moat"
// configuration. The real one is moat_bpf_vm_test.go (build tag moatbpf).
func moatConfigs(t *testing.T) []Config {
	t.Helper()
	return nil
}
