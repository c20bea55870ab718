package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/store"
)

// The key cache: an instance's parsed public key, kept after its first
// submission so that the next ones neither read the instance nor parse
// its key. It is only a guess: the store refuses a report verified with
// a key that is no longer the instance's (ErrKeyChanged), and the
// submission is then judged again on the stored key.

type cachedKey struct {
	keyID string
	v     *attest.Verifier
}

// keyCache maps instance ids to their cachedKey: a map under a lock
// rather than a sync.Map, which boxes every key and value in objects
// of their own. Every garbage collection traces the whole cache, and
// the collections set the paced p99 of make bench (docs/attestation.md).
type keyCache struct {
	mu sync.RWMutex
	m  map[string]cachedKey
}

func (c *keyCache) load(id string) (cachedKey, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	k, ok := c.m[id]
	return k, ok
}

func (c *keyCache) store(id string, k cachedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedKey)
	}
	c.m[id] = k
}

func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// key returns instance id's key: from the cache with a nil enrolment,
// or read from the store (and cached) with the enrolment.
func (s *Server) key(ctx context.Context, id string) (cachedKey, *store.Enrolment, error) {
	if c, ok := s.keys.load(id); ok {
		return c, nil, nil
	}
	inst, err := s.store.Enrolled(ctx, id)
	if errors.Is(err, store.ErrUnknownInstance) {
		return cachedKey{}, nil, refused(http.StatusNotFound, attest.CodeUnknownInstance, -1, "instance %q is not enrolled", id)
	}
	if err != nil {
		return cachedKey{}, nil, err
	}
	v, err := attest.ParsePublicKey(inst.PublicKey)
	if err != nil {
		return cachedKey{}, nil, fmt.Errorf("instance %s: stored key: %w", id, err)
	}
	k := cachedKey{keyID: inst.KeyID, v: v}
	s.keys.store(id, k)
	return k, &inst, nil
}
