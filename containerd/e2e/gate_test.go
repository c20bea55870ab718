package e2e

import (
	"context"
	"sync"

	"github.com/moat-sh/moat/daemon/localapi"
)

// gate records registrations, as the BPF capability gate would hold them.
type gate struct {
	mu         sync.Mutex
	registered map[string]localapi.Container // namespace/id
}

func newGate() *gate { return &gate{registered: map[string]localapi.Container{}} }

func (g *gate) Register(_ context.Context, c localapi.Container) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.registered[c.Namespace+"/"+c.ID] = c
	return nil
}

func (g *gate) Unregister(_ context.Context, namespace, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.registered, namespace+"/"+id)
	return nil
}

func (g *gate) get(namespace, id string) (localapi.Container, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.registered[namespace+"/"+id]
	return c, ok
}
