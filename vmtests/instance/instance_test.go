package instance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moat-sh/moat/vmtests/harness"
	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// TestInstance builds an image with stand-in services, flips a byte of
// one file in a copy of its root, boots it and checks, from inside
// (testdata/scenario.sh), the verity root (refusing the tampered block),
// the data disk, the restarts, the notify gate, a container run and the
// network;
// the scenario's exit code (42 when every check passed) must reach the
// host. It is an ordinary host test: it boots QEMU itself.
func TestInstance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	opts, k := vmOptions(t)
	bin := goBuild(t, "./cmd/moat-supervise", "./vmtests/instance/internal/standin")
	spec := standinSpec(opts.CacheDir, k, bin)
	img, err := Build(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("image: %s (cached %v, %s)", img.Dir, img.Cached, img.Took.Round(time.Millisecond))
	again, err := Build(ctx, spec)
	if err != nil || !again.Cached || again.Dir != img.Dir {
		t.Fatalf("second build: cached %v dir %v err %v, want the cached image", again != nil && again.Cached, again, err)
	}
	t.Logf("cached image found in %s", again.Took.Round(time.Millisecond))

	booted := tamper(t, img)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "moat-attest-standin")
	}))
	defer srv.Close()
	var out bytes.Buffer
	var units []string
	res, err := Boot(ctx, BootSpec{
		Progress: func(e Event) {
			if e.What == "unit" && e.State == "active" {
				units = append(units, e.Unit)
			}
		},
		Image:    booted,
		Scenario: Scenario{Program: "testdata/scenario.sh", Args: []string{"42", "8443"}},
		Forwards: []Forward{{GuestPort: 8443, HostPort: serverPort(t, srv)}},
		VM:       opts, Output: &out, KernelArgs: os.Getenv("MOAT_INSTANCE_KERNEL_ARGS"),
	})
	t.Logf("scenario output:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.Exit != 42 || !strings.Contains(out.String(), "ALL OK") {
		t.Errorf("scenario exit %d, want 42 with ALL OK", res.Exit)
	}
	if got := strings.Join(units, " "); !strings.Contains(got, "moatd agent") {
		t.Errorf("units became active in the order %q, want agent right after moatd", got)
	}
	t.Logf("boot: supervisor after %s, units ready after %s, total %s (accel %q)",
		res.Booted.Round(time.Millisecond), res.Ready.Round(time.Millisecond), res.Total.Round(time.Millisecond), opts.Accel)
}

// canary fills two erofs blocks with bytes found nowhere else (a SHA-256
// stream), so that tamper can find the file's data in the image.
var canary = func() []byte {
	var b []byte
	for i := 0; len(b) < 8192; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("moat-verity-canary-%d", i)))
		b = append(b, sum[:]...)
	}
	return b
}()

// tamper returns the image with one byte of the canary's data flipped in
// a copy of the root: dm-verity must refuse that block, and only it.
func tamper(t *testing.T, img *Image) *Image {
	t.Helper()
	b, err := os.ReadFile(img.Root)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, canary[:4096])
	if i < 0 || bytes.Index(b[i+1:], canary[:4096]) >= 0 {
		t.Fatal("the canary's data is not in the root image exactly once")
	}
	b[i+100] ^= 0xff
	out := *img
	out.Root = filepath.Join(t.TempDir(), "root.erofs")
	if err := os.WriteFile(out.Root, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return &out
}

func standinSpec(cache string, k harness.Kernel, bin string) Spec {
	standin := filepath.Join(bin, "standin")
	moatd := NewUnit("moatd", "/usr/bin/moatd", guest.TypeNotify, "--starts", "/var/lib/moat/moatd.starts",
		"--ready-after", "2s", "--ready-file", "/run/moatd.ready")
	moatd.Restart, moatd.Watchdog, moatd.DependsOn = guest.RestartAlways, 10, []string{"containerd"}
	agent := NewUnit("agent", "/usr/bin/standin", guest.TypeSimple, "--require", "/run/moatd.ready", "--gate", "/run/agent.gate")
	agent.Restart, agent.DependsOn = guest.RestartAlways, []string{"moatd"}
	hang := NewUnit("hang", "/usr/bin/standin", guest.TypeNotify, "--starts", "/var/lib/moat/hang.starts", "--stop-pinging", "/run/hang.stop")
	hang.Restart, hang.Watchdog = guest.RestartAlways, 2
	canaryFile := filepath.Join(bin, "canary")
	os.WriteFile(canaryFile, canary, 0o644)
	return Spec{
		CacheDir: cache, Kernel: k, Supervisor: filepath.Join(bin, "moat-supervise"),
		Files: []File{{Host: canaryFile, Guest: "/usr/share/moat/canary"}},
		Binaries: []File{
			{Host: standin, Guest: "/usr/bin/moatd"}, {Host: standin, Guest: "/usr/bin/standin"},
			{Host: "testdata/moat-runtime", Guest: RuntimePath, Mode: 0o755},
		},
		Units: []guest.Unit{NetworkUnit(), ContainerdUnit(), ImagesUnit(), moatd, agent, hang},
	}
}

// vmOptions reads the VM settings (MOAT_CACHE, MOAT_VM_*) and the kernel.
func vmOptions(t *testing.T) (harness.Options, harness.Kernel) {
	t.Helper()
	opts, err := harness.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	k, err := harness.FindKernel(opts.KernelDir)
	if err != nil {
		t.Fatalf("%v (or set MOAT_CACHE to a folder that holds kernel/ and containerd/)", err)
	}
	for _, tool := range []string{"qemu-system-x86_64", "mkfs.erofs", "veritysetup", "mkfs.ext4", "cpio", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run make deps", tool)
		}
	}
	return opts, k
}

// goBuild builds static binaries of the given packages into a temp folder.
func goBuild(t *testing.T, pkgs ...string) string {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command("go", append([]string{"build", "-o", out + "/"}, pkgs...)...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", pkgs, err, msg)
	}
	return out
}

func serverPort(t *testing.T, srv *httptest.Server) int {
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
