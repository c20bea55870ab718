package runtime

import (
	"reflect"
	"testing"
)

func TestParseInvocation(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Invocation
		err  bool
	}{
		{"shim create", []string{"--root", "/run/containerd/runc/k8s.io", "--log", "/b/log.json", "--log-format", "json", "--systemd-cgroup", "create", "--bundle", "/b", "id"},
			Invocation{Global: []string{"--root", "/run/containerd/runc/k8s.io", "--log", "/b/log.json", "--log-format", "json", "--systemd-cgroup"},
				Root: "/run/containerd/runc/k8s.io", Log: "/b/log.json", LogFormat: "json", Verb: "create", Args: []string{"--bundle", "/b", "id"}}, false},
		{"equals form", []string{"--root=/r/default", "--debug", "delete", "--force", "x"},
			Invocation{Global: []string{"--root=/r/default", "--debug"}, Root: "/r/default", Verb: "delete", Args: []string{"--force", "x"}}, false},
		{"no verb", []string{"--version"}, Invocation{Global: []string{"--version"}}, false},
		{"missing value", []string{"--root"}, Invocation{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvocation(tt.args)
			if (err != nil) != tt.err {
				t.Fatalf("err %v, want error %v", err, tt.err)
			}
			if !tt.err && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNamespace(t *testing.T) {
	for root, want := range map[string]string{"/run/containerd/runc/k8s.io": "k8s.io", "": "", "/x/default/": "default"} {
		if got := (Invocation{Root: root}).Namespace(); got != want {
			t.Errorf("root %q: namespace %q, want %q", root, got, want)
		}
	}
}

func TestParseCreate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want CreateArgs
		err  bool
	}{
		{"shim", []string{"--bundle", "/b", "--pid-file", "/b/init.pid", "--console-socket", "/s", "c1"},
			CreateArgs{ID: "c1", Bundle: "/b", PidFile: "/b/init.pid"}, false},
		{"short and equals", []string{"-b=/b", "--no-pivot", "--preserve-fds", "2", "c2"},
			CreateArgs{ID: "c2", Bundle: "/b", PreserveFDs: 2}, false},
		{"default bundle", []string{"c3"}, CreateArgs{ID: "c3", Bundle: "."}, false},
		{"no id", []string{"--bundle", "/b"}, CreateArgs{}, true},
		{"two ids", []string{"a", "b"}, CreateArgs{}, true},
		{"bad fds", []string{"--preserve-fds", "x", "a"}, CreateArgs{}, true},
		{"dangling flag", []string{"a", "--pid-file"}, CreateArgs{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreate(tt.args)
			if (err != nil) != tt.err {
				t.Fatalf("err %v, want error %v", err, tt.err)
			}
			if !tt.err && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDeleteID(t *testing.T) {
	if id, err := DeleteID([]string{"--force", "abc"}); err != nil || id != "abc" {
		t.Errorf("got %q, %v", id, err)
	}
	if _, err := DeleteID([]string{"--force"}); err == nil {
		t.Error("delete without an id parsed")
	}
}
