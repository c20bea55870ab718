package policy

import "testing"

func TestIdentifyTask(t *testing.T) {
	const ecsKey = "com.amazonaws.ecs.task-arn"
	cases := []struct {
		name        string
		annotations map[string]string
		labels      map[string]string
		key         string
		want        Task
	}{
		{"CRI container", map[string]string{AnnotationCRISandboxID: "pod1", AnnotationCRIContainerType: "container"}, nil, ecsKey,
			Task{ID: "pod1", Source: TaskFromCRI}},
		{"CRI sandbox", map[string]string{AnnotationCRISandboxID: "pod1", AnnotationCRIContainerType: "sandbox"}, nil, "",
			Task{ID: "pod1", Source: TaskFromCRI, Sandbox: true}},
		{"CRI sandbox without its id annotation", map[string]string{AnnotationCRIContainerType: "sandbox"}, nil, "",
			Task{ID: "ctr", Source: TaskFromCRI, Sandbox: true}},
		{"CRI-O container", map[string]string{AnnotationCRIOSandboxID: "pod2", AnnotationCRIOContainerType: "container"}, nil, "",
			Task{ID: "pod2", Source: TaskFromCRI}},
		{"CRI wins over the label", map[string]string{AnnotationCRISandboxID: "pod1", ecsKey: "arn:task/1"}, nil, ecsKey,
			Task{ID: "pod1", Source: TaskFromCRI}},
		{"label from annotations", map[string]string{ecsKey: "arn:task/1"}, map[string]string{ecsKey: "arn:task/2"}, ecsKey,
			Task{ID: "arn:task/1", Source: TaskFromLabel}},
		{"label from client labels", nil, map[string]string{ecsKey: "arn:task/2"}, ecsKey,
			Task{ID: "arn:task/2", Source: TaskFromLabel}},
		{"empty label value falls through", nil, map[string]string{ecsKey: ""}, ecsKey,
			Task{ID: "ctr", Source: TaskFromContainer}},
		{"no key configured", nil, map[string]string{ecsKey: "arn:task/2"}, "",
			Task{ID: "ctr", Source: TaskFromContainer}},
		{"nothing at all", nil, nil, ecsKey, Task{ID: "ctr", Source: TaskFromContainer}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IdentifyTask("ctr", c.annotations, c.labels, c.key); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
