package placement

import (
	"sync"
	"time"
)

// ReservationTTL is how long an admitted container counts as live before
// it is registered.
const ReservationTTL = 2 * time.Minute

// Key names a container: its containerd namespace and id.
type Key struct {
	Namespace string
	ID        string
}

type entry struct {
	task     string
	mask     uint64    // the capability mask admission granted
	reserved time.Time // zero once registered
}

// State is the placement state. The zero value is not usable; use New.
type State struct {
	mu         sync.Mutex
	containers map[Key]entry
	now        func() time.Time
}

// New returns an empty state.
func New() *State {
	return &State{containers: map[Key]entry{}, now: time.Now}
}

// Live returns task id to its number of live containers (registered or
// reserved within ReservationTTL). It is assignable to policy.LiveTasks.
func (s *State) Live() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live()
}

func (s *State) live() map[string]int {
	out := map[string]int{}
	now := s.now()
	for k, e := range s.containers {
		if !e.reserved.IsZero() && now.Sub(e.reserved) > ReservationTTL {
			delete(s.containers, k)
			continue
		}
		out[e.task]++
	}
	return out
}

// Admit runs decide on the live tasks, not counting k itself, and when it
// allows, reserves k for task with the capability mask decide granted,
// all under one lock. It returns decide's answer.
func (s *State) Admit(k Key, task string, decide func(live map[string]int) (allowed bool, mask uint64)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.live()
	if e, ok := s.containers[k]; ok { // asked again (NRI, then the wrapper)
		live[e.task]--
		if live[e.task] == 0 {
			delete(live, e.task)
		}
	}
	allowed, mask := decide(live)
	if !allowed {
		return false
	}
	if e, ok := s.containers[k]; !ok || !e.reserved.IsZero() {
		s.containers[k] = entry{task: task, mask: mask, reserved: s.now()}
	}
	return true
}

// Register records k as a live container of task.
func (s *State) Register(k Key, task string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.containers[k] = entry{task: task}
}

// Confirm turns the reservation of k into a registered container and
// returns the task and capability mask admission gave it; ok is false
// when k was neither reserved nor registered.
func (s *State) Confirm(k Key) (task string, mask uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live() // drop expired reservations
	e, ok := s.containers[k]
	if !ok {
		return "", 0, false
	}
	e.reserved = time.Time{}
	s.containers[k] = e
	return e.task, e.mask, true
}

// Registered says whether k is a registered container (not merely
// reserved).
func (s *State) Registered(k Key) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.containers[k]
	return ok && e.reserved.IsZero()
}

// Remove forgets k and says whether it was known.
func (s *State) Remove(k Key) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.containers[k]
	delete(s.containers, k)
	return ok
}

// Replace sets the registered containers to live (container to task),
// keeping reservations younger than ReservationTTL that live does not
// name: they may be being created right now.
func (s *State) Replace(live map[Key]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[Key]entry, len(live))
	for k, task := range live {
		next[k] = entry{task: task}
	}
	now := s.now()
	for k, e := range s.containers {
		if _, ok := next[k]; !ok && !e.reserved.IsZero() && now.Sub(e.reserved) <= ReservationTTL {
			next[k] = e
		}
	}
	s.containers = next
}

// Containers returns a copy of the registered and reserved containers.
func (s *State) Containers() map[Key]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Key]string, len(s.containers))
	for k, e := range s.containers {
		out[k] = e.task
	}
	return out
}
