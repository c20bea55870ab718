package policy

import (
	"fmt"
	"sort"
)

// placementViolation: under single-task placement, a container of a task
// while a container of another task lives.
func placementViolation(s *Settings, req *Request) (Violation, bool) {
	if s.placement() == PlacementMulti { // anything else, even invalid, is single: fail closed
		return Violation{}, false
	}
	var others []string
	for id, n := range req.Live {
		if n > 0 && id != req.Task.ID {
			others = append(others, id)
		}
	}
	if len(others) == 0 {
		return Violation{}, false
	}
	sort.Strings(others)
	live := fmt.Sprintf("task %q has %d live %s", others[0], req.Live[others[0]],
		plural(req.Live[others[0]], "container"))
	if len(others) > 1 {
		live += fmt.Sprintf(" (and %d more %s)", len(others)-1, plural(len(others)-1, "task"))
	}
	wait := "that task exits"
	if len(others) > 1 {
		wait = "those tasks exit"
	}
	asked := fmt.Sprintf("a container of task %q beside another task", req.Task.ID)
	return Violation{Rule: RulePlacement, Asked: asked, Reason: fmt.Sprintf(
		"container of task %q asks to run beside another task, and %s; capacity provider %q allows a single task (%s: %s); "+
			"wait until %s, or set %s to %s",
		req.Task.ID, live, s.Name, fieldPath("taskPlacement"), s.placement(),
		wait, fieldPath("taskPlacement"), PlacementMulti)}, true
}
