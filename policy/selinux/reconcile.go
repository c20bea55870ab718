package selinux

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	goselinux "github.com/opencontainers/selinux/go-selinux"
)

// Reconcile replaces the reservations with those of the live tasks,
// after a daemon restart: live maps each live task's id to the SELinux
// label of one of its processes (or its mount label). A label without a
// valid pair, or two tasks sharing a pair, is an error and changes
// nothing.
func (a *Allocator) Reconcile(live map[string]string) error {
	pairs, err := a.parseLive(live)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	held := map[Pair]bool{}
	for _, p := range a.byTask {
		held[p] = true
	}
	for task, p := range pairs {
		if !held[p] && goselinux.CheckLabel(labelAt(p)) != nil {
			return fmt.Errorf("reconcile task %s: pair %s is reserved by other code of this process", task, p.Level())
		}
	}
	for _, p := range a.byTask {
		goselinux.ReleaseLabel(labelAt(p))
	}
	for _, p := range pairs {
		_ = goselinux.ReserveLabelV2(labelAt(p)) // checked free above
	}
	a.byTask = pairs
	return nil
}

func (a *Allocator) parseLive(live map[string]string) (map[string]Pair, error) {
	tasks := make([]string, 0, len(live))
	for task := range live {
		tasks = append(tasks, task)
	}
	sort.Strings(tasks)
	pairs := make(map[string]Pair, len(live))
	owner := map[Pair]string{}
	for _, task := range tasks {
		p, err := a.pairOf(live[task])
		if err != nil {
			return nil, fmt.Errorf("reconcile task %s: %w", task, err)
		}
		if other, taken := owner[p]; taken {
			return nil, fmt.Errorf("reconcile: tasks %s and %s share the pair %s", other, task, p.Level())
		}
		owner[p], pairs[task] = task, p
	}
	return pairs, nil
}

// pairOf reads the category pair of a label such as
// system_u:system_r:moat_task_t:s0:c1,c2.
func (a *Allocator) pairOf(label string) (Pair, error) {
	ctx, err := goselinux.NewContext(label)
	if err != nil {
		return Pair{}, fmt.Errorf("label %q: %w", label, err)
	}
	level := ctx["level"]
	cats, ok := strings.CutPrefix(level, "s0:")
	if !ok {
		return Pair{}, fmt.Errorf("label %q: level %q is not s0:cX,cY", label, level)
	}
	low, high, ok := strings.Cut(cats, ",")
	if !ok {
		return Pair{}, fmt.Errorf("label %q: level %q is not s0:cX,cY", label, level)
	}
	p := Pair{category(low), category(high)}
	if p.Low < 0 || p.High < 0 || p.Low >= p.High || p.High >= a.n {
		return Pair{}, fmt.Errorf("label %q: %q is not a pair cX,cY with X < Y < %d", label, cats, a.n)
	}
	return p, nil
}

// category parses "c12" to 12, or returns -1.
func category(s string) int {
	digits, ok := strings.CutPrefix(s, "c")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || strconv.Itoa(n) != digits {
		return -1
	}
	return n
}
