package runtime

import (
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
)

// The wrapper starts for every runc call containerd's shim makes; net
// makes it a dynamically linked executable (cgo resolver) and net/http
// adds some 110 package initialisers. Neither may come back.
func TestWrapperLinksNoNetwork(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		gotool = filepath.Join(goruntime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(gotool, "list", "-deps", "github.com/moat-sh/moat/cmd/moat-runtime").Output()
	if err != nil {
		t.Fatalf("go list -deps cmd/moat-runtime: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, banned := range []string{"net", "net/http", "crypto/tls", "os/user", "github.com/moat-sh/moat/daemon/localapi"} {
		if slices.Contains(deps, banned) {
			t.Errorf("cmd/moat-runtime links %s", banned)
		}
	}
	if len(deps) > 100 {
		t.Errorf("cmd/moat-runtime links %d packages; it had 82 when it stopped linking net/http", len(deps))
	}
}
