package selinux

import (
	"errors"
	"strings"
	"testing"

	goselinux "github.com/opencontainers/selinux/go-selinux"
)

// newAllocator returns a fresh allocator and clears go-selinux's
// process-wide registry around the test.
func newAllocator(t *testing.T, n int) *Allocator {
	t.Helper()
	goselinux.ClearLabels()
	t.Cleanup(goselinux.ClearLabels)
	a, err := NewAllocator(n)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewAllocatorRange(t *testing.T) {
	for _, c := range []struct {
		n  int
		ok bool
	}{{-1, false}, {0, false}, {1, false}, {2, true}, {1024, true}, {1025, false}} {
		_, err := NewAllocator(c.n)
		if (err == nil) != c.ok {
			t.Errorf("NewAllocator(%d): err %v, want ok=%v", c.n, err, c.ok)
		}
	}
}

// op is one step of an allocator script: reserve or release a task,
// and what reserve must answer.
type op struct {
	release bool
	task    string
	want    Pair
	wantErr error
}

func TestAllocatorScripts(t *testing.T) {
	cases := []struct {
		name string
		n    int
		ops  []op
	}{
		{"same task same pair", 4, []op{
			{task: "a", want: Pair{0, 1}},
			{task: "a", want: Pair{0, 1}},
			{task: "b", want: Pair{0, 2}},
			{task: "a", want: Pair{0, 1}},
		}},
		{"pairs in order, wrapping", 3, []op{
			{task: "a", want: Pair{0, 1}},
			{task: "b", want: Pair{0, 2}},
			{task: "c", want: Pair{1, 2}},
			{release: true, task: "a"},
			{task: "d", want: Pair{0, 1}},
		}},
		{"a released pair is reused last", 4, []op{
			{task: "a", want: Pair{0, 1}},
			{release: true, task: "a"},
			{task: "b", want: Pair{0, 2}},
			{task: "a", want: Pair{0, 3}},
		}},
		{"exhausted", 3, []op{
			{task: "a", want: Pair{0, 1}},
			{task: "b", want: Pair{0, 2}},
			{task: "c", want: Pair{1, 2}},
			{task: "d", wantErr: ErrExhausted},
			{task: "a", want: Pair{0, 1}},
			{release: true, task: "b"},
			{task: "d", want: Pair{0, 2}},
		}},
		{"release unknown task", 2, []op{
			{release: true, task: "ghost"},
			{task: "a", want: Pair{0, 1}},
			{task: "b", wantErr: ErrExhausted},
		}},
		{"empty task id", 4, []op{
			{task: "", wantErr: errAny},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAllocator(t, c.n)
			for i, o := range c.ops {
				if o.release {
					a.Release(o.task)
					continue
				}
				got, err := a.Reserve(o.task)
				if !matchErr(err, o.wantErr) || (o.wantErr == nil && got != o.want) {
					t.Fatalf("step %d: Reserve(%q) = %v, %v; want %v, %v", i, o.task, got, err, o.want, o.wantErr)
				}
			}
		})
	}
}

var errAny = errors.New("any error")

func matchErr(err, want error) bool {
	switch want {
	case nil:
		return err == nil
	case errAny:
		return err != nil
	}
	return errors.Is(err, want)
}

func TestExhaustedMessage(t *testing.T) {
	a := newAllocator(t, 2)
	a.Reserve("a")
	_, err := a.Reserve("b")
	for _, want := range []string{"task b", "exhausted", "1 pairs of c0..c1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want a message with %q", err, want)
		}
	}
}

// Two allocators of one process never hand out the same pair: both
// reserve in go-selinux's registry.
func TestAllocatorsShareTheRegistry(t *testing.T) {
	a := newAllocator(t, 4)
	b, _ := NewAllocator(4)
	pa, _ := a.Reserve("a")
	pb, _ := b.Reserve("b")
	if pa == pb {
		t.Fatalf("two allocators handed out %v twice", pa)
	}
	if err := goselinux.CheckLabel(labelAt(pa)); err == nil {
		t.Fatalf("%v is not reserved in go-selinux's registry", pa)
	}
	a.Release("a")
	if err := goselinux.CheckLabel(labelAt(pa)); err != nil {
		t.Fatalf("%v is still reserved after Release: %v", pa, err)
	}
}

// All pairs of a full space are distinct.
func TestEveryPairOnce(t *testing.T) {
	a := newAllocator(t, 40)
	seen := map[Pair]bool{}
	for i := 0; i < 40*39/2; i++ {
		p, err := a.Reserve(strings.Repeat("x", i+1))
		if err != nil {
			t.Fatalf("reserve %d: %v", i, err)
		}
		if seen[p] || p.Low >= p.High || p.High >= 40 {
			t.Fatalf("reserve %d: bad or repeated pair %v", i, p)
		}
		seen[p] = true
	}
	if _, err := a.Reserve("one-more"); !errors.Is(err, ErrExhausted) {
		t.Fatalf("got %v, want ErrExhausted", err)
	}
}
