package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckNotSelf(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "runc")
	os.Symlink(self, link)
	if err := CheckNotSelf(link); err == nil || !strings.Contains(err.Error(), "moat-runtime itself") {
		t.Errorf("link to self: %v", err)
	}
	if err := CheckNotSelf("/bin/sh"); err != nil {
		t.Errorf("another program: %v", err)
	}
	if err := CheckNotSelf(filepath.Join(t.TempDir(), "absent")); err == nil || !strings.Contains(err.Error(), EnvRunc) {
		t.Errorf("missing runc: %v", err)
	}
}
