package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
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
