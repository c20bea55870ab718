package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

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

// key returns instance id's key: from the cache with a nil enrolment,
// or read from the store (and cached) with the enrolment.
func (s *Server) key(ctx context.Context, id string) (cachedKey, *store.Enrolment, error) {
	if c, ok := s.keys.Load(id); ok {
		return c.(cachedKey), nil, nil
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
	s.keys.Store(id, k)
	return k, &inst, nil
}
