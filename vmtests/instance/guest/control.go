package guest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The control socket lets a scenario stop, kill and start units, as
// systemctl does: one request line, then the answer and EOF.
//
//	stop NAME    SIGTERM, no restart until start
//	kill NAME    SIGKILL, no restart until start
//	start NAME   start a stopped or failed unit
//	status       one line per unit: name state pid starts held status
const controlName = "control.sock"

type ctlReq struct {
	line  string
	reply chan string
}

// listenControl accepts control connections and hands each request to
// the loop.
func listenControl(runDir string, ch chan<- ctlReq) error {
	path := filepath.Join(runDir, controlName)
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveControl(c, ch)
		}
	}()
	return nil
}

func serveControl(c net.Conn, ch chan<- ctlReq) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && line == "" {
		return
	}
	req := ctlReq{line: strings.TrimSpace(line), reply: make(chan string, 1)}
	ch <- req
	fmt.Fprint(c, <-req.reply)
}

// control runs one request on the supervisor (in the loop's goroutine).
func (s *Supervisor) control(line string, now time.Time) string {
	f := strings.Fields(line)
	if len(f) == 1 && f[0] == "status" {
		var b strings.Builder
		for _, u := range s.Status() {
			fmt.Fprintf(&b, "%s %s %d %d %v %s\n", u.Name, u.State, u.PID, u.Starts, u.Held, u.Status)
		}
		return b.String()
	}
	if len(f) != 2 {
		return "error: want stop|kill|start NAME, or status\n"
	}
	var err error
	switch f[0] {
	case "stop":
		err = s.Hold(f[1], syscall.SIGTERM, now)
	case "kill":
		err = s.Hold(f[1], syscall.SIGKILL, now)
	case "start":
		err = s.Release(f[1], now)
	default:
		err = fmt.Errorf("unknown command %q", f[0])
	}
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return "ok\n"
}

// Control sends one request to a running supervisor's control socket and
// returns the answer (moat-supervise ctl ...).
func Control(runDir string, args []string) (string, error) {
	c, err := net.DialTimeout("unix", filepath.Join(runDir, controlName), 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := fmt.Fprintln(c, strings.Join(args, " ")); err != nil {
		return "", err
	}
	var b strings.Builder
	_, err = bufio.NewReader(c).WriteTo(&b)
	if strings.HasPrefix(b.String(), "error: ") {
		return b.String(), fmt.Errorf("%s", strings.TrimSpace(strings.TrimPrefix(b.String(), "error: ")))
	}
	return b.String(), err
}
