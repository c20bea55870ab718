package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/moat-sh/moat/containerd/runtime/front"

	"github.com/moat-sh/moat/containerd/config"
	"github.com/moat-sh/moat/daemon/localapi"
)

// env is the suite's containerd and everything around it.
type env struct {
	dir       string // the temporary folder holding it all
	bin       string // .cache/containerd/bin
	runtime   string // the built runtime: moat-runc, with moat-runtime beside it
	nri       string // the built moat-nri
	root      string // containerd's root
	state     string // containerd's state
	address   string // containerd's socket
	nriSocket string
	moatd     string // moatd's socket, as containerd's environment says
	cmd       *exec.Cmd
}

var e *env

const (
	busyboxImage = "moat.local/busybox:1"
	pauseImage   = "moat.local/pause:1"
	realRunc     = "/usr/sbin/runc"
)

func TestMain(m *testing.M) {
	var code int
	defer func() { os.Exit(code) }()
	var err error
	e, err = setup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e setup: %v\n", err)
		code = 1
		if e != nil {
			e.teardown()
		}
		return
	}
	code = m.Run()
	e.teardown()
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func setup() (*env, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("the containerd end-to-end tests run containerd and need root")
	}
	root := repoRoot()
	cache := os.Getenv("MOAT_CACHE")
	if cache == "" {
		cache = filepath.Join(root, ".cache")
	}
	x := &env{bin: filepath.Join(cache, "containerd", "bin")}
	for _, b := range []string{"containerd", "ctr", "containerd-shim-runc-v2", "crictl", "loopback"} {
		if _, err := os.Stat(filepath.Join(x.bin, b)); err != nil {
			return nil, fmt.Errorf("%s is not built in %s: run make deps (scripts/containerd)", b, x.bin)
		}
	}
	for _, f := range []string{realRunc, "/bin/busybox"} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%s is missing: run make deps (apt-get install runc busybox-static)", f)
		}
	}
	dir, err := os.MkdirTemp("", "moat-e2e-")
	if err != nil {
		return nil, err
	}
	x.dir = dir
	x.root, x.state = filepath.Join(dir, "root"), filepath.Join(dir, "state")
	x.address, x.nriSocket, x.moatd = filepath.Join(dir, "containerd.sock"), filepath.Join(dir, "nri.sock"), filepath.Join(dir, "moatd.sock")
	steps := []func() error{x.build, x.writeConfig, x.start, x.importImages}
	for _, step := range steps {
		if err := step(); err != nil {
			return x, err
		}
	}
	return x, nil
}

// build compiles moat-runtime, its front moat-runc and moat-nri, and
// shadows runc with the front in the PATH of containerd's shims.
func (x *env) build() error {
	x.runtime, x.nri = filepath.Join(x.dir, "moat-runc"), filepath.Join(x.dir, "moat-nri")
	wrapper := filepath.Join(x.dir, "moat-runtime")
	for out, pkg := range map[string]string{wrapper: "./cmd/moat-runtime", x.nri: "./cmd/moat-nri"} {
		cmd := exec.Command(goTool(), "build", "-o", out, pkg)
		cmd.Dir = repoRoot()
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
		}
	}
	if err := front.Build(context.Background(), x.runtime); err != nil {
		return err
	}
	shadow := filepath.Join(x.dir, "shadow")
	os.MkdirAll(shadow, 0o755)
	return os.Symlink(x.runtime, filepath.Join(shadow, "runc"))
}

// configTemplate is the suite's own part of containerd's config;
// moat's part is containerd/config's, with the suite's paths.
// goTool is the go command: from PATH, else the toolchain that built the test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

const configTemplate = `version = 3
root = "{{.Root}}"
state = "{{.State}}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs"]

[grpc]
  address = "{{.Address}}"

[plugins."io.containerd.cri.v1.runtime"]
  # the suite may run without CAP_SYS_RESOURCE: keep oom_score_adj at ours
  restrict_oom_score_adj = true

[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = ["{{.CNIBin}}"]
  conf_dir = "{{.CNIConf}}"

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "{{.Pause}}"

`

// moatConfig is containerd/config's part with the suite's paths.
func (x *env) moatConfig() string {
	return strings.NewReplacer(
		config.RuntimePath, x.runtime,
		config.NRISocket, x.nriSocket,
		config.NRIPluginPath, filepath.Join(x.dir, "nri-plugins"),
		config.NRIPluginConfig, filepath.Join(x.dir, "nri-conf"),
	).Replace(config.Containerd)
}

// testNet is a CNI plugin that gives a pod's own network namespace an
// eth0 entry and an address in its result, so CRI accepts the pod, and
// changes nothing: the pod has lo only (the loopback plugin).
const testNet = `#!/bin/sh
case "$CNI_COMMAND" in
ADD) cat >/dev/null; printf '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"%s"}],"ips":[{"address":"10.88.0.2/32","interface":0}]}' "$CNI_NETNS" ;;
VERSION) printf '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
*) cat >/dev/null ;;
esac
`

func (x *env) writeConfig() error {
	cniBin, cniConf := filepath.Join(x.dir, "cni-bin"), filepath.Join(x.dir, "cni-conf")
	for _, d := range []string{cniBin, cniConf, filepath.Join(x.dir, "nri-plugins"), filepath.Join(x.dir, "nri-conf")} {
		os.MkdirAll(d, 0o755)
	}
	if err := os.Symlink(filepath.Join(x.bin, "loopback"), filepath.Join(cniBin, "loopback")); err != nil {
		return err
	}
	os.WriteFile(filepath.Join(cniBin, "moat-test-net"), []byte(testNet), 0o755)
	os.WriteFile(filepath.Join(cniConf, "10-moat-test.conflist"),
		[]byte(`{"cniVersion":"1.0.0","name":"moat-test","plugins":[{"type":"moat-test-net"}]}`), 0o644)
	var buf bytes.Buffer
	template.Must(template.New("config").Parse(configTemplate)).Execute(&buf, map[string]string{
		"Root": x.root, "State": x.state, "Address": x.address, "Runtime": x.runtime,
		"CNIBin": cniBin, "CNIConf": cniConf, "Pause": pauseImage, "NRISocket": x.nriSocket, "Dir": x.dir,
	})
	buf.WriteString(x.moatConfig())
	return os.WriteFile(filepath.Join(x.dir, "config.toml"), buf.Bytes(), 0o644)
}

// start runs containerd with the wrapper as runc for every client.
func (x *env) start() error {
	logf, err := os.Create(filepath.Join(x.dir, "containerd.log"))
	if err != nil {
		return err
	}
	x.cmd = exec.Command(filepath.Join(x.bin, "containerd"), "--config", filepath.Join(x.dir, "config.toml"))
	x.cmd.Stdout, x.cmd.Stderr = logf, logf
	x.cmd.Env = append(os.Environ(), x.serviceEnv()...)
	if err := x.cmd.Start(); err != nil {
		return fmt.Errorf("start containerd: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := x.ctr("default", "version"); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("containerd did not answer in 30s; see %s", logf.Name())
}

// serviceEnv is containerd/config's systemd drop-in environment with the
// suite's paths; the shims come from the suite's bin folder.
func (x *env) serviceEnv() []string {
	r := strings.NewReplacer(config.RuntimeDir, filepath.Join(x.dir, "shadow"), localapi.DefaultSocket, x.moatd)
	var env []string
	for _, line := range strings.Split(config.SystemdDropIn, "\n") {
		if v, ok := strings.CutPrefix(line, "Environment="); ok {
			env = append(env, r.Replace(v))
		}
	}
	for i, v := range env {
		if strings.HasPrefix(v, "PATH=") {
			env[i] = v + ":" + x.bin
		}
	}
	return append(env, "MOAT_ADMIT_TIMEOUT=10s")
}

func (x *env) importImages() error {
	layer, err := busyboxLayer("/bin/busybox")
	if err != nil {
		return err
	}
	for name, cmd := range map[string][]string{busyboxImage: {"/bin/sh"}, pauseImage: {"/bin/sleep", "2147483647"}} {
		data, err := imageTar(name, layer, cmd)
		if err != nil {
			return err
		}
		path := filepath.Join(x.dir, strings.NewReplacer("/", "_", ":", "_").Replace(name)+".tar")
		os.WriteFile(path, data, 0o644)
		for _, ns := range []string{"default", "k8s.io", drainNamespace} {
			if out, err := x.ctr(ns, "images", "import", path); err != nil {
				return fmt.Errorf("import %s in %s: %w\n%s", name, ns, err, out)
			}
		}
	}
	return nil
}

// ctr runs ctr against the suite's containerd in namespace ns.
func (x *env) ctr(ns string, args ...string) (string, error) {
	return x.run(filepath.Join(x.bin, "ctr"), append([]string{"--address", x.address, "--namespace", ns}, args...)...)
}

// crictl runs crictl against the suite's containerd.
func (x *env) crictl(args ...string) (string, error) {
	ep := "unix://" + x.address
	cfg := filepath.Join(x.dir, "crictl.yaml")
	if _, err := os.Stat(cfg); err != nil {
		os.WriteFile(cfg, []byte("runtime-endpoint: "+ep+"\nimage-endpoint: "+ep+"\ntimeout: 30\n"), 0o644)
	}
	return x.run(filepath.Join(x.bin, "crictl"), append([]string{"--config", cfg}, args...)...)
}

func (x *env) run(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s%s", filepath.Base(bin), strings.Join(args, " "), err, &stdout, &stderr)
	}
	return stdout.String(), nil
}
