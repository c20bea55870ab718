package watch

import (
	"testing"

	apievents "github.com/containerd/containerd/api/events"
	"github.com/containerd/containerd/v2/core/events"
	"github.com/containerd/typeurl/v2"
)

func envelope(t *testing.T, topic string, ev any) *events.Envelope {
	t.Helper()
	a, err := typeurl.MarshalAny(ev)
	if err != nil {
		t.Fatal(err)
	}
	return &events.Envelope{Namespace: "default", Topic: topic, Event: a}
}

func TestGone(t *testing.T) {
	tests := []struct {
		name string
		env  *events.Envelope
		id   string
		ok   bool
	}{
		{"init exit", envelope(t, "/tasks/exit", &apievents.TaskExit{ContainerID: "c", ID: "c"}), "c", true},
		{"exec exit", envelope(t, "/tasks/exit", &apievents.TaskExit{ContainerID: "c", ID: "exec1"}), "c", false},
		{"task delete", envelope(t, "/tasks/delete", &apievents.TaskDelete{ContainerID: "c", ID: "c"}), "c", true},
		{"container delete", envelope(t, "/containers/delete", &apievents.ContainerDelete{ID: "c"}), "c", true},
		{"task start", envelope(t, "/tasks/start", &apievents.TaskStart{ContainerID: "c"}), "", false},
		{"empty", &events.Envelope{}, "", false},
		{"nil", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := gone(tt.env)
			if id != tt.id || ok != tt.ok {
				t.Errorf("gone = %q, %v; want %q, %v", id, ok, tt.id, tt.ok)
			}
		})
	}
}

func TestStarted(t *testing.T) {
	if id, ok := started(envelope(t, "/tasks/start", &apievents.TaskStart{ContainerID: "c", Pid: 7})); !ok || id != "c" {
		t.Errorf("task start: %q, %v", id, ok)
	}
	if _, ok := started(envelope(t, "/tasks/exit", &apievents.TaskExit{ContainerID: "c", ID: "c"})); ok {
		t.Error("an exit counted as a start")
	}
	if _, ok := started(nil); ok {
		t.Error("nil counted as a start")
	}
}
