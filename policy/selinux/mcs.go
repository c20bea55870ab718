package selinux

import (
	"errors"
	"fmt"
	"sync"

	goselinux "github.com/opencontainers/selinux/go-selinux"
)

// Categories is the size of the policy's category space, c0 to c1023
// (cil/categories.cil).
const Categories = 1024

// ErrExhausted is returned when every category pair is in use.
var ErrExhausted = errors.New("mcs category space exhausted")

// Pair is a task's two MCS categories, cLow,cHigh with Low < High.
type Pair struct{ Low, High int }

// Level is the pair as an MCS level: s0:cLow,cHigh.
func (p Pair) Level() string { return fmt.Sprintf("s0:c%d,c%d", p.Low, p.High) }

// next is the pair after p in the order (0,1) (0,2) ... (n-2,n-1),
// wrapping around.
func (p Pair) next(n int) Pair {
	if p.High+1 < n {
		return Pair{p.Low, p.High + 1}
	}
	if p.Low+2 < n {
		return Pair{p.Low + 1, p.Low + 2}
	}
	return Pair{0, 1}
}

// Allocator hands each live task a category pair no other live task
// has. Every container of a task gets the same pair. Pairs are handed
// out in a rotating order, so a released pair is reused last. Pairs are
// also reserved in go-selinux's process-wide registry, so they never
// collide with labels other code of the process reserves there.
type Allocator struct {
	mu     sync.Mutex
	n      int
	byTask map[string]Pair
	cursor Pair
}

// NewAllocator returns an allocator over categories c0 to c(n-1); n is
// at least 2 and at most Categories.
func NewAllocator(n int) (*Allocator, error) {
	if n < 2 || n > Categories {
		return nil, fmt.Errorf("mcs categories: %d is out of range 2..%d", n, Categories)
	}
	return &Allocator{n: n, byTask: map[string]Pair{}, cursor: Pair{0, 1}}, nil
}

// Reserve returns the task's pair, reserving a free one the first time.
func (a *Allocator) Reserve(taskID string) (Pair, error) {
	if taskID == "" {
		return Pair{}, errors.New("reserve mcs pair: empty task id")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.byTask[taskID]; ok {
		return p, nil
	}
	total := a.n * (a.n - 1) / 2
	for p, i := a.cursor, 0; i < total; p, i = p.next(a.n), i+1 {
		if goselinux.ReserveLabelV2(labelAt(p)) != nil {
			continue // held by a live task, or by other code of the process
		}
		a.byTask[taskID] = p
		a.cursor = p.next(a.n)
		return p, nil
	}
	return Pair{}, fmt.Errorf("reserve mcs pair for task %s: %w: all %d pairs of c0..c%d are held by live tasks",
		taskID, ErrExhausted, total, a.n-1)
}

// Release frees the task's pair; releasing an unknown task does nothing.
func (a *Allocator) Release(taskID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.byTask[taskID]; ok {
		goselinux.ReleaseLabel(labelAt(p))
		delete(a.byTask, taskID)
	}
}

// Pair returns the pair the task holds, if any.
func (a *Allocator) Pair(taskID string) (Pair, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.byTask[taskID]
	return p, ok
}

// labelAt is the label under which go-selinux's registry keeps a pair.
func labelAt(p Pair) string { return "system_u:system_r:moat_task_t:" + p.Level() }
