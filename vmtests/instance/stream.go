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

// Event is a step of the boot, for a progress display.
type Event struct {
	What    string // "booted", "unit" or "ready"
	Unit    string // for "unit"
	State   string // for "unit": starting, active, stopping, waiting, done, failed
	Elapsed time.Duration
}

// streamMarkers copies the guest's serial output to out, taking the
// marker lines out, timing them from start and telling progress.
func streamMarkers(r io.Reader, out io.Writer, start time.Time, progress func(Event)) markers {
	var m markers
	if progress == nil {
		progress = func(Event) {}
	}
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		switch {
		case strings.HasPrefix(line, guest.MarkBoot):
			m.booted = time.Since(start)
			progress(Event{What: "booted", Elapsed: m.booted})
		case strings.HasPrefix(line, guest.MarkUnit):
			unit, state, _ := strings.Cut(strings.TrimSpace(line[len(guest.MarkUnit):]), " ")
			progress(Event{What: "unit", Unit: unit, State: state, Elapsed: time.Since(start)})
		case strings.HasPrefix(line, guest.MarkReady):
			m.ready = time.Since(start)
			progress(Event{What: "ready", Elapsed: m.ready})
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
