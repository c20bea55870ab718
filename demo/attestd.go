package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// attestd is the moat-attestd the driver runs on 127.0.0.1.
type attestd struct {
	cmd   *exec.Cmd
	addr  string // host:port on the loopback
	token string // the file holding the instance's enrolment token
	done  chan struct{}
}

// attestdConfig: plain HTTP on the loopback (the VM reaches it only
// through QEMU's guest forward), SQLite in the temporary folder, and the
// instances' report interval of demo/config.yaml with some slack.
const attestdConfig = `listen: 127.0.0.1:0
store: %s
interval: 10s
`

func startAttestd(ctx context.Context, b binaries, tmp string, say func(string, ...any)) (*attestd, error) {
	cfg := filepath.Join(tmp, "attestd.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, attestdConfig, filepath.Join(tmp, "attestd.db")), 0o600); err != nil {
		return nil, err
	}
	tok, err := exec.CommandContext(ctx, b.path("moat-attestd"), "token", "create", "-instance", InstanceID, "-config", cfg).Output()
	if err != nil {
		return nil, fmt.Errorf("moat-attestd token create: %w%s", err, stderrOf(err))
	}
	s := &attestd{token: filepath.Join(tmp, "enrol-token"), done: make(chan struct{})}
	if err := os.WriteFile(s.token, tok, 0o600); err != nil {
		return nil, err
	}
	if err := s.start(b, cfg, filepath.Join(tmp, "attestd.log")); err != nil {
		return nil, err
	}
	say("moat-attestd serving on http://%s (SQLite in %s), enrolment token for %s created", s.addr, tmp, InstanceID)
	return s, nil
}

// start runs `moat-attestd serve` and reads its listening address from
// its first log line; the rest of its log goes to logPath.
func (s *attestd) start(b binaries, cfg, logPath string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(b.path("moat-attestd"), "serve", "-config", cfg)
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start moat-attestd: %w", err)
	}
	addr := make(chan string, 1)
	go func() {
		defer close(s.done)
		defer logf.Close()
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if a := listenAddr(sc.Text()); a != "" {
				addr <- a
			}
		}
	}()
	select {
	case s.addr = <-addr:
		return nil
	case <-s.done:
		s.cmd.Wait()
		return fmt.Errorf("moat-attestd ended before serving: see %s", logPath)
	case <-time.After(30 * time.Second):
		s.stop()
		return errors.New("moat-attestd did not serve within 30 s")
	}
}

// listenAddr is the addr of attestd's "moat-attestd serving" log line.
func listenAddr(line string) string {
	var rec struct {
		Msg  string `json:"msg"`
		Addr string `json:"addr"`
	}
	if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "moat-attestd serving" {
		return ""
	}
	return rec.Addr
}

func (s *attestd) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	var n int
	fmt.Sscan(p, &n)
	return n
}

// stop ends moat-attestd (SIGTERM, then SIGKILL after 10 s).
func (s *attestd) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
	}
	s.cmd.Wait()
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

var _ io.Writer = (*os.File)(nil)
