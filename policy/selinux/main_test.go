package selinux

import (
	"os"
	"testing"
)

// helperMain, when set (by the VM tests), runs instead of the tests if
// the binary was started as a helper process.
var helperMain func() (ran bool)

// atExit runs after all tests, for fixtures shared by several tests.
var atExit []func()

func TestMain(m *testing.M) {
	if helperMain != nil && helperMain() {
		return
	}
	code := m.Run()
	for _, f := range atExit {
		f()
	}
	os.Exit(code)
}
