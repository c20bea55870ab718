package placement

import (
	"maps"
	"testing"
	"time"
)

func fixed(s *State) *time.Time {
	t := time.Unix(1000, 0)
	s.now = func() time.Time { return t }
	return &t
}

func allowIfEmpty(live map[string]int) (bool, uint64) { return len(live) == 0, 1 << 12 }

func allowAll(map[string]int) (bool, uint64) { return true, 0 }

func TestAdmitReservesUnderTheLock(t *testing.T) {
	s := New()
	a, b := Key{"default", "a"}, Key{"default", "b"}
	if !s.Admit(a, "t1", allowIfEmpty) {
		t.Fatal("first task refused on an empty instance")
	}
	if s.Admit(b, "t2", allowIfEmpty) {
		t.Error("second task admitted while the first's reservation lives")
	}
	if !s.Admit(a, "t1", allowIfEmpty) {
		t.Error("the same container asked again (NRI, then the wrapper) was refused")
	}
	if got := s.Live(); !maps.Equal(got, map[string]int{"t1": 1}) {
		t.Errorf("live %v", got)
	}
}

func TestReservationExpires(t *testing.T) {
	s := New()
	now := fixed(s)
	s.Admit(Key{"n", "a"}, "t1", allowIfEmpty)
	s.Register(Key{"n", "r"}, "t2")
	*now = now.Add(ReservationTTL + time.Second)
	if got := s.Live(); !maps.Equal(got, map[string]int{"t2": 1}) {
		t.Errorf("live %v, want the registered container only", got)
	}
}

func TestRegisterConfirmsAndRemoveForgets(t *testing.T) {
	s := New()
	now := fixed(s)
	k := Key{"n", "a"}
	s.Admit(k, "t1", allowIfEmpty)
	s.Register(k, "t1")
	*now = now.Add(10 * ReservationTTL)
	if got := s.Live(); got["t1"] != 1 {
		t.Errorf("registered container expired: %v", got)
	}
	if !s.Remove(k) || s.Remove(k) {
		t.Error("remove: want known once")
	}
	if len(s.Live()) != 0 {
		t.Errorf("live after remove: %v", s.Live())
	}
}

func TestReplaceKeepsFreshReservations(t *testing.T) {
	s := New()
	fixed(s)
	s.Register(Key{"n", "gone"}, "t0")
	s.Admit(Key{"n", "creating"}, "t1", allowAll)
	s.Replace(map[Key]string{{"k8s.io", "c"}: "pod"})
	want := map[Key]string{{"k8s.io", "c"}: "pod", {"n", "creating"}: "t1"}
	if got := s.Containers(); !maps.Equal(got, want) {
		t.Errorf("containers %v, want %v", got, want)
	}
}

func TestConfirmNeedsAReservation(t *testing.T) {
	s := New()
	now := fixed(s)
	if _, _, ok := s.Confirm(Key{"n", "x"}); ok {
		t.Error("confirmed a container never admitted")
	}
	s.Admit(Key{"n", "a"}, "t", allowIfEmpty)
	if s.Registered(Key{"n", "a"}) {
		t.Error("a reservation counts as registered")
	}
	if task, mask, ok := s.Confirm(Key{"n", "a"}); !ok || task != "t" || mask != 1<<12 || !s.Registered(Key{"n", "a"}) {
		t.Errorf("admitted container confirmed as %q %#x %v", task, mask, ok)
	}
	s.Admit(Key{"n", "late"}, "t", allowAll)
	*now = now.Add(ReservationTTL + time.Second)
	if _, _, ok := s.Confirm(Key{"n", "late"}); ok {
		t.Error("confirmed an expired reservation")
	}
}
