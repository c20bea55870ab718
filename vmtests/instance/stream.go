package instance

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// markers is what the supervisor reported besides the scenario's output.
type markers struct {
	booted, ready time.Duration
	exit          int
	exited        bool
	fail          string // the supervisor's reason for not running the scenario
}

// streamMarkers copies the guest's serial output to out, taking the
// marker lines out and timing them from start.
func streamMarkers(r io.Reader, out io.Writer, start time.Time) markers {
	var m markers
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		switch {
		case strings.HasPrefix(line, guest.MarkBoot):
			m.booted = time.Since(start)
		case strings.HasPrefix(line, guest.MarkReady):
			m.ready = time.Since(start)
		case strings.HasPrefix(line, guest.MarkFail):
			m.fail = strings.TrimSpace(line[len(guest.MarkFail):])
		case strings.HasPrefix(line, guest.MarkExit):
			if n, err := strconv.Atoi(strings.TrimSpace(line[len(guest.MarkExit):])); err == nil {
				m.exit, m.exited = n, true
			}
		default:
			io.WriteString(out, line)
		}
		if err != nil {
			return m
		}
	}
}
