package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/containerd/nriplugin"
	"github.com/moat-sh/moat/policy"
)

// The CRI network namespace modes.
const (
	podNetwork  = 0
	hostNetwork = 2
)

// podConfig is a crictl pod sandbox config with the runtime default
// seccomp profile.
func podConfig(t *testing.T, name string, network int) string {
	t.Helper()
	cfg := map[string]any{
		"metadata": map[string]any{"name": name, "namespace": "e2e", "uid": name + "-uid"},
		"linux": map[string]any{"security_context": map[string]any{
			"seccomp":           map[string]any{"profile_type": 0},
			"namespace_options": map[string]any{"network": network},
		}},
	}
	return writeJSON(t, name+"-pod.json", cfg)
}

// containerConfig is a crictl container config sleeping in busybox.
func containerConfig(t *testing.T, name string, caps []string, mounts []map[string]any) string {
	t.Helper()
	cfg := map[string]any{
		"metadata": map[string]any{"name": name},
		"image":    map[string]any{"image": busyboxImage},
		"command":  []string{"/bin/sleep", "300"},
		"mounts":   mounts,
		"linux": map[string]any{"security_context": map[string]any{
			"seccomp":      map[string]any{"profile_type": 0},
			"capabilities": map[string]any{"add_capabilities": caps},
			// the kubelet sends its default masked and read-only paths;
			// without them /proc/sys is writable, which needs ALL
			"masked_paths":   nriplugin.DefaultMaskedPaths,
			"readonly_paths": nriplugin.DefaultReadonlyPaths,
		}},
	}
	return writeJSON(t, name+"-container.json", cfg)
}

func writeJSON(t *testing.T, name string, v any) string {
	t.Helper()
	b, _ := json.Marshal(v)
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, string(b))
	return path
}

var idPattern = regexp.MustCompile(`(?m)^[0-9a-f]{64}$`)

// crictlID runs crictl and returns the id it prints.
func crictlID(args ...string) (string, error) {
	out, err := e.crictl(args...)
	if err != nil {
		return "", err
	}
	return idPattern.FindString(out), nil
}

// runPod starts a pod and removes it at the end of the test.
func runPod(t *testing.T, name string, network int) (string, string) {
	t.Helper()
	cfg := podConfig(t, name, network)
	pod, err := crictlID("runp", cfg)
	if err != nil {
		t.Fatalf("run pod %s: %v", name, err)
	}
	t.Cleanup(func() { e.crictl("stopp", pod); e.crictl("rmp", "--force", pod) })
	return pod, cfg
}

// startContainer creates and starts a container in a pod.
func startContainer(pod, podCfg, ctrCfg string) (string, error) {
	ctr, err := crictlID("create", pod, ctrCfg, podCfg)
	if err != nil {
		return "", err
	}
	if _, err := e.crictl("start", ctr); err != nil {
		return ctr, err
	}
	return ctr, nil
}

func containerState(t *testing.T, ctr string) string {
	t.Helper()
	out, err := e.crictl("inspect", "--output", "go-template", "--template", "{{.status.state}}", ctr)
	if err != nil {
		t.Fatalf("inspect %s: %v", ctr, err)
	}
	return strings.TrimSpace(out)
}

func TestCRIPlainPodAndContainer(t *testing.T) {
	m := startMoatd(t, policy.Settings{Name: "e2e"})
	startNRI(t)
	pod, podCfg := runPod(t, "plain", podNetwork)
	ctr, err := startContainer(pod, podCfg, containerConfig(t, "app", nil, nil))
	if err != nil {
		t.Fatalf("plain container: %v", err)
	}
	if st := containerState(t, ctr); st != "CONTAINER_RUNNING" {
		t.Fatalf("container state %s", st)
	}
	if _, err := e.crictl("exec", "--sync", ctr, "/bin/true"); err != nil {
		t.Errorf("exec in the container: %v", err)
	}
	m.waitLive(t, pod, 2) // the sandbox and the container are the pod's task
	for _, id := range []string{pod, ctr} {
		if c, ok := m.gate.get("k8s.io", id); !ok || c.TaskID != pod || c.CgroupID == 0 {
			t.Errorf("registration of %s: %+v, %v; want task %s with a cgroup", id, c, ok, pod)
		}
	}
}

func TestCRINetAdminNeedsOptIn(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e"})
	startNRI(t)
	pod, podCfg := runPod(t, "netadmin", podNetwork)
	denied, err := startContainer(pod, podCfg, containerConfig(t, "denied", []string{"NET_ADMIN"}, nil))
	mustContain(t, "crictl start", err, "", "OCI runtime create failed", "refused by moatd", "CAP_NET_ADMIN", "privilegedCapabilities")
	if st := containerState(t, denied); st == "CONTAINER_RUNNING" {
		t.Errorf("refused container is %s", st)
	}

	startMoatd(t, policy.Settings{Name: "e2e", PrivilegedCapabilities: policy.CapSetOf(policy.CapNetAdmin)})
	ctr, err := startContainer(pod, podCfg, containerConfig(t, "allowed", []string{"NET_ADMIN"}, nil))
	if err != nil {
		t.Fatalf("with the opt-in: %v", err)
	}
	if st := containerState(t, ctr); st != "CONTAINER_RUNNING" {
		t.Errorf("container state %s", st)
	}
}

func TestCRIHostNetworkPodNeedsAll(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e", PrivilegedCapabilities: policy.CapSetOf(policy.CapNetAdmin)})
	startNRI(t)
	_, err := crictlID("runp", podConfig(t, "hostnet", hostNetwork))
	mustContain(t, "crictl runp (host network)", err, "", "refused by moatd", "network", "ALL")
	e.crictl("rmp", "--all", "--force")

	startMoatd(t, policy.Settings{Name: "e2e", AllowAll: true})
	pod, podCfg := runPod(t, "hostnet-all", hostNetwork)
	if _, err := startContainer(pod, podCfg, containerConfig(t, "app", nil, nil)); err != nil {
		t.Fatalf("host network pod with ALL: %v", err)
	}
}

// TestCRINRIPluginRefuses: the NRI plugin refuses at creation what it can
// see (a bind mount of the host's root), before any task exists.
func TestCRINRIPluginRefuses(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e"})
	startNRI(t)
	pod, podCfg := runPod(t, "hostroot", podNetwork)
	mounts := []map[string]any{{"container_path": "/host", "host_path": "/", "readonly": true}}
	_, err := crictlID("create", pod, containerConfig(t, "hostroot", nil, mounts), podCfg)
	mustContain(t, "crictl create (host root bind)", err, "", "moat: container hostroot", "refused by moatd")
}

func TestCRIDeadNRIPluginMeansNoContainers(t *testing.T) {
	startMoatd(t, policy.Settings{Name: "e2e"})
	p := startNRI(t)
	pod, podCfg := runPod(t, "nonri", podNetwork)
	p.stop()
	// NRI 0.11 skips a plugin whose connection fails during a request
	// and counts it as present for that request: the one create racing
	// with the plugin's death is not refused by NRI (the runtime wrapper
	// still checks it). Once containerd has seen the plugin go, NRI
	// refuses every container.
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var ctr string
		if ctr, err = crictlID("create", pod, containerConfig(t, "app", nil, nil), podCfg); err != nil {
			break
		}
		t.Logf("container %s created while containerd noticed the plugin's death", ctr)
		e.crictl("rm", "--force", ctr)
	}
	mustContain(t, "crictl create without the NRI plugin", err, "", "default-validator", "required plugin", "moat", "not present")
}
