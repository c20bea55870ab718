package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-sh/moat/containerd/placement"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}

func placementKey(name string) placement.Key { return placement.Key{Namespace: "default", ID: name} }
