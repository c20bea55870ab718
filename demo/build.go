package demo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/moat-sh/moat/containerd/runtime/front"
)

// binaries are the host paths of what the driver built.
type binaries struct {
	dir      string
	policy   string // compiled SELinux policy; "" when this tree has no compiler
	scenario string
	dpkg     string // the dpkg status of the image's Debian packages
}

func (b binaries) path(name string) string { return filepath.Join(b.dir, name) }

// commands are built into bin/demo, static (CGO_ENABLED=0) and without VCS
// stamps, so that an unchanged tree gives the same binaries and the
// cached image.
var commands = []string{"moatd", "moat", "moat-runtime", "moat-supervise", "moat-attestd"}

func (o Options) buildBinaries(ctx context.Context) (binaries, error) {
	t := time.Now()
	b := binaries{dir: o.path("bin/demo")}
	b.scenario = b.path("moat-demo-scenario")
	pkgs := []string{}
	for _, c := range commands {
		pkgs = append(pkgs, "./cmd/"+c)
	}
	havePolicy := exists(o.path("cmd/moat-policy"))
	if havePolicy {
		pkgs = append(pkgs, "./cmd/moat-policy")
	}
	o.say("building %s", strings.Join(append(append([]string{}, commands...), front.Name, "the scenario"), ", "))
	defer o.ticker("still building")()
	if err := o.goBuild(ctx, b.dir+"/", pkgs...); err != nil {
		return b, err
	}
	if err := o.goBuild(ctx, b.scenario, "./demo/scenario"); err != nil {
		return b, err
	}
	if err := front.Build(ctx, b.path(front.Name)); err != nil {
		return b, err
	}
	b.dpkg = b.path("dpkg-status")
	if err := writeDpkgStatus(ctx, b.dpkg); err != nil {
		return b, err
	}
	if havePolicy {
		b.policy = b.path("policy.bin")
		if err := o.compilePolicy(ctx, b); err != nil {
			return b, err
		}
	}
	o.say("built in %s", time.Since(t).Round(100*time.Millisecond))
	return b, nil
}

func (o Options) goBuild(ctx context.Context, out string, pkgs ...string) error {
	args := append([]string{"build", "-buildvcs=false", "-o", out}, pkgs...)
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, msg)
	}
	return nil
}

// compilePolicy compiles moat's SELinux policy with secilc once per
// change of the compiler binary.
func (o Options) compilePolicy(ctx context.Context, b binaries) error {
	if newer(b.policy, b.path("moat-policy")) {
		return nil
	}
	if _, err := exec.LookPath("secilc"); err != nil {
		return fmt.Errorf("secilc not found: run make deps (Debian package secilc)")
	}
	cmd := exec.CommandContext(ctx, b.path("moat-policy"), "compile", b.policy)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("compile the SELinux policy: %w\n%s", err, msg)
	}
	return nil
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// newer reports whether a exists and is newer than b.
func newer(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && sa.ModTime().After(sb.ModTime())
}

// imagePackages are the Debian packages whose files the image holds.
var imagePackages = []string{"busybox-static", "runc"}

// writeDpkgStatus writes the host's dpkg entries of imagePackages.
func writeDpkgStatus(ctx context.Context, path string) error {
	out, err := exec.CommandContext(ctx, "dpkg-query", append([]string{"-s"}, imagePackages...)...).Output()
	if err != nil {
		return fmt.Errorf("dpkg-query -s %s: %w (make deps installs them)", strings.Join(imagePackages, " "), err)
	}
	return os.WriteFile(path, out, 0o644)
}

// ticker says what is going on every 15 s until the returned stop.
func (o Options) ticker(what string) (stop func()) {
	start, done := time.Now(), make(chan struct{})
	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				o.say("%s (%s)", what, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() { close(done) }
}
