package guest

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procRunner starts unit processes with fork/exec; the supervisor's
// reaper collects them.
type procRunner struct {
	runDir, logDir string
	console        *lockedWriter
	log            *slog.Logger
}

var baseEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root", "TMPDIR=/tmp", "LANG=C.UTF-8",
}

func (r *procRunner) notifyPath(name string) string {
	return filepath.Join(r.runDir, "notify", name+".sock")
}

func (r *procRunner) env(u Unit) []string {
	env := mergeEnv(baseEnv, u.Env)
	env = mergeEnv(env, []string{"NOTIFY_SOCKET=" + r.notifyPath(u.Name)})
	if u.Watchdog > 0 {
		env = mergeEnv(env, []string{"WATCHDOG_USEC=" + strconv.FormatInt(u.watchdog().Microseconds(), 10)})
	}
	return env
}

// mergeEnv returns base with over's variables replacing or added: a
// program sees only the first of two equal names.
func mergeEnv(base, over []string) []string {
	out := append([]string{}, base...)
	for _, kv := range over {
		name, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(e string) bool { return strings.HasPrefix(e, name+"=") })
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// Start forks the unit's command with its output on a pipe to the
// console and to logDir/NAME.log.
func (r *procRunner) Start(u Unit) (int, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer pw.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		pr.Close()
		return 0, err
	}
	defer null.Close()
	pid, err := syscall.ForkExec(u.Command, append([]string{u.Command}, u.Args...), &syscall.ProcAttr{
		Dir: "/", Env: r.env(u),
		Files: []uintptr{null.Fd(), pw.Fd(), pw.Fd()},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		pr.Close()
		return 0, fmt.Errorf("exec %s: %w", u.Command, err)
	}
	go r.copyOutput(u.Name, pr)
	return pid, nil
}

func (r *procRunner) Signal(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

// copyOutput prefixes each line of a unit's output with its name on the
// console and appends it unprefixed to the unit's log file.
func (r *procRunner) copyOutput(name string, pr *os.File) {
	defer pr.Close()
	logf, err := os.OpenFile(filepath.Join(r.logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		r.log.Warn("unit log file", "unit", name, "err", err)
		logf = nil
	}
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		r.console.printf("%s| %s\n", name, sc.Text())
		if logf != nil {
			fmt.Fprintln(logf, sc.Text())
		}
	}
	if logf != nil {
		logf.Close()
	}
}

// lockedWriter serialises writes from the log and the unit copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) printf(format string, args ...any) { fmt.Fprintf(l, format, args...) }

type notifyMsg struct {
	unit string
	data []byte
}

// listenNotify opens each unit's notify socket and forwards datagrams.
func (r *procRunner) listenNotify(units []Unit, ch chan<- notifyMsg) error {
	if err := os.MkdirAll(filepath.Join(r.runDir, "notify"), 0o755); err != nil {
		return err
	}
	for _, u := range units {
		path := r.notifyPath(u.Name)
		os.Remove(path)
		c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
		if err != nil {
			return fmt.Errorf("notify socket for %s: %w", u.Name, err)
		}
		go readNotify(u.Name, c, ch)
	}
	return nil
}

func readNotify(name string, c *net.UnixConn, ch chan<- notifyMsg) {
	buf := make([]byte, 4096)
	for {
		n, _, err := c.ReadFromUnix(buf)
		if err != nil {
			return
		}
		ch <- notifyMsg{unit: name, data: append([]byte(nil), buf[:n]...)}
	}
}

type exitMsg struct {
	pid int
	ws  syscall.WaitStatus
}

// reap collects every child that ends, units, the scenario and orphans.
func reap(sigchld <-chan os.Signal, ch chan<- exitMsg) {
	for {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
			ch <- exitMsg{pid: pid, ws: ws}
		}
		select {
		case <-sigchld:
		case <-time.After(time.Second): // a missed signal costs a second
		}
	}
}
