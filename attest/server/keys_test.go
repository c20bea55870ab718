package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"runtime"
	rtmetrics "runtime/metrics"
	"testing"
	"time"

	"github.com/moat-sh/moat/attest"
)

// testKeyReplaced: another replica enrols the instance again with a new
// key while this server holds the old one in its cache. A report signed
// with the old key is refused and stores nothing; one signed with the
// new key is accepted.
func testKeyReplaced(t *testing.T, e *env) {
	ctx := context.Background()
	e.enrol("i-1", e.key)
	if code, ref, _ := e.submit("i-1", e.sign(e.key, report("i-1", 1), e.nonce("i-1").Nonce)); code != 200 {
		t.Fatalf("first: %d %+v", code, ref)
	}
	fresh, err := attest.NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.store.CreateToken(ctx, "i-1", time.Hour, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Enrol(ctx, tok, "i-1", fresh.Verifier, e.now); err != nil {
		t.Fatal(err)
	}
	code, ref, _ := e.submit("i-1", e.sign(e.key, report("i-1", 2), e.nonce("i-1").Nonce))
	if code != http.StatusForbidden || ref.Code != attest.CodeBadSignature {
		t.Fatalf("old key after re-enrolment: %d %+v, want 403 %s", code, ref, attest.CodeBadSignature)
	}
	if code, ref, resp := e.submit("i-1", e.sign(fresh, report("i-1", 2), e.nonce("i-1").Nonce)); code != 200 || resp.LastSequence != 2 {
		t.Fatalf("new key: %d %+v %+v", code, ref, resp)
	}
	if h := e.history("i-1"); len(h) != 2 {
		t.Fatalf("history has %d reports, want 2", len(h))
	}
}

// heapLive is the number of live heap objects and of heap bytes the
// collector scans, after a full collection.
func heapLive() (objects, scan uint64) {
	runtime.GC()
	s := []rtmetrics.Sample{{Name: "/gc/heap/objects:objects"}, {Name: "/gc/scan/heap:bytes"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// TestKeyCacheFootprint: every garbage collection traces the whole key
// cache, and in make bench's fleet pass it is the collections that set
// the paced p99. A cached instance is a handful of small objects (its
// id, its key id, the verifier with its key in place, the verifier's
// key id and DER), not the eleven that a sync.Map of parsed keys and
// their envelope verifiers took.
func TestKeyCacheFootprint(t *testing.T) {
	fleet := fleetKeys()
	n := len(fleet)
	ders := make([][]byte, n)
	for i := range fleet {
		k, err := fleet[i].key()
		if err != nil {
			t.Fatal(err)
		}
		ders[i] = k.PublicDER()
	}
	objects0, scan0 := heapLive()
	var c keyCache
	for i, der := range ders {
		v, err := attest.ParsePublicKey(der)
		if err != nil {
			t.Fatal(err)
		}
		c.store(fmt.Sprintf("i-%05d", i), cachedKey{keyID: fmt.Sprintf("%064x", i), v: v}) // as read from the store
	}
	objects1, scan1 := heapLive()
	runtime.KeepAlive(&c)
	objects, scan := float64(objects1-objects0)/float64(n), float64(scan1-scan0)/float64(n)
	t.Logf("%.1f objects, %.0f scanned bytes an instance", objects, scan)
	if objects > 5 {
		t.Fatalf("a cached key is %.1f heap objects, want at most 5", objects)
	}
}
