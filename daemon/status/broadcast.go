package status

import (
	"sync"
	"sync/atomic"
)

// Broadcaster hands each audit record to every live subscriber. A
// subscriber that falls behind loses records rather than slowing moatd;
// the losses are counted.
type Broadcaster struct {
	mu      sync.Mutex
	subs    map[chan Record]struct{}
	dropped atomic.Uint64
}

// NewBroadcaster returns a broadcaster with no subscribers.
func NewBroadcaster() *Broadcaster {
	return &Broadcaster{subs: map[chan Record]struct{}{}}
}

// Publish sends r to every subscriber that has room for it.
func (b *Broadcaster) Publish(r Record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- r:
		default:
			b.dropped.Add(1)
		}
	}
}

// Subscribe returns a channel of records and the function that ends it.
func (b *Broadcaster) Subscribe() (<-chan Record, func()) {
	ch := make(chan Record, 256)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// Dropped is how many records slow subscribers lost.
func (b *Broadcaster) Dropped() uint64 { return b.dropped.Load() }
