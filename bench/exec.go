package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moat-sh/moat/bench/sample"
)

// goTest runs go test in the repository with extra environment, keeps
// its whole output in logPath and returns the result lines and output.
func (d *Driver) goTest(ctx context.Context, logPath string, env []string, args ...string) (sample.Results, string, error) {
	cmd := exec.CommandContext(ctx, d.Go, append([]string{"test", "-count=1"}, args...)...)
	cmd.Dir = d.Root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	w := io.Writer(&out)
	if d.Verbose != nil {
		w = io.MultiWriter(&out, d.Verbose)
	}
	cmd.Stdout, cmd.Stderr = w, w
	runErr := cmd.Run()
	if err := os.WriteFile(logPath, out.Bytes(), 0o644); err != nil {
		return sample.Results{}, "", err
	}
	res, err := sample.Parse(bytes.NewReader(out.Bytes()))
	if runErr != nil {
		return res, out.String(), fmt.Errorf("go test %s: %w (output in %s)\n%s", strings.Join(args, " "), runErr, logPath, tail(out.String(), 15))
	}
	return res, out.String(), err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// qemuShim works around the VM harness passing "-accel tcg,thread=multi"
// together with -icount, which QEMU refuses ("No MTTCG when icount is
// enabled"): a qemu-system-x86_64 first on the PATH that drops
// thread=multi. Remove once the harness leaves it out under icount.
func (d *Driver) qemuShim() (string, error) {
	dir := filepath.Join(d.Out, "shim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	real, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return "", fmt.Errorf("qemu-system-x86_64 not found: make deps")
	}
	script := "#!/bin/sh\n# make bench: QEMU refuses MTTCG with -icount (see bench/exec.go).\n" +
		"for a in \"$@\"; do shift; [ \"$a\" = tcg,thread=multi ] && a=tcg; set -- \"$@\" \"$a\"; done\n" +
		"exec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "qemu-system-x86_64"), []byte(script), 0o755); err != nil {
		return "", err
	}
	return dir, nil
}
