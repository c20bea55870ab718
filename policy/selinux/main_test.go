package selinux

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// helperMain, when set (by the VM tests), runs instead of the tests if
// the binary was started as a helper process.
var helperMain func() (ran bool)

var shared struct {
	once   sync.Once
	dir    string
	policy string
	err    error
}

func TestMain(m *testing.M) {
	if helperMain != nil && helperMain() {
		return
	}
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// compileTree compiles cil/ of the tree once per test binary and
// returns the binary policy's path.
func compileTree(t *testing.T) string {
	t.Helper()
	needSecilc(t)
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "moat-policy-"); shared.err != nil {
			return
		}
		shared.policy = filepath.Join(shared.dir, "moat.pol")
		shared.err = Compile("cil", shared.policy)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.policy
}
