package nriplugin

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/nri/pkg/adaptation"
	"github.com/containerd/nri/pkg/stub"
	validator "github.com/containerd/nri/plugins/default-validator/builtin"
)

// runtimeWithMoatRequired is NRI's in-process runtime on a real socket,
// configured as docs/containerd.md says: default validator on, moat required.
func runtimeWithMoatRequired(t *testing.T) (*adaptation.Adaptation, string) {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "nri.sock")
	noSync := func(context.Context, adaptation.SyncCB) error { return nil }
	noUpdate := func(context.Context, []*adaptation.ContainerUpdate) ([]*adaptation.ContainerUpdate, error) {
		return nil, nil
	}
	r, err := adaptation.New("test-runtime", "0.0", noSync, noUpdate,
		adaptation.WithSocketPath(sock),
		adaptation.WithPluginPath(filepath.Join(dir, "plugins")),
		adaptation.WithPluginConfigPath(filepath.Join(dir, "conf.d")),
		adaptation.WithDefaultValidator(&validator.DefaultValidatorConfig{Enable: true, RequiredPlugins: []string{Name}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r, sock
}

func create(r *adaptation.Adaptation, namespaces ...string) error {
	pod, c := podContainer(namespaces...)
	_, err := r.CreateContainer(context.Background(), &adaptation.CreateContainerRequest{Pod: pod, Container: c})
	return err
}

func TestOverNRISocket(t *testing.T) {
	r, sock := runtimeWithMoatRequired(t)
	if err := create(r, "network"); err == nil || !strings.Contains(err.Error(), `required plugin "moat" not present`) {
		t.Fatalf("without the plugin: %v, want refused as a missing required plugin", err)
	}

	p, err := New(&fakeAdmitter{}, quiet(), stub.WithSocketPath(sock))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	deadline := time.Now().Add(10 * time.Second)
	for err = create(r, "network"); err != nil && time.Now().Before(deadline); err = create(r, "network") {
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("allowed container through the plugin: %v", err)
	}
	if err := create(r, "pid"); err == nil || !strings.Contains(err.Error(), "refused by moatd: shares the host's network namespace") {
		t.Errorf("refused container: %v, want moatd's reason", err)
	}

	cancel()
	p.Stop()
	<-done
	deadline = time.Now().Add(10 * time.Second)
	for err = create(r, "network"); err == nil && time.Now().Before(deadline); err = create(r, "network") {
		time.Sleep(20 * time.Millisecond)
	}
	if err == nil || !strings.Contains(err.Error(), `required plugin "moat" not present`) {
		t.Errorf("after the plugin died: %v, want refused", err)
	}
}
