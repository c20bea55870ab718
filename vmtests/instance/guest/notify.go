package guest

import (
	"fmt"
	"strconv"
	"strings"
)

// Notify is one sd_notify datagram, parsed.
type Notify struct {
	Ready, Stopping, Reloading, Watchdog bool
	WatchdogTrigger                      bool // WATCHDOG=trigger
	Status                               string
	MainPID                              int
	Errno                                int
	Unknown                              []string // assignments we ignore
}

// ParseNotify parses a datagram of newline-separated KEY=VALUE
// assignments, as sd_notify(3) sends. Unknown keys are kept in Unknown;
// a known key with a bad value is an error.
func ParseNotify(msg []byte) (Notify, error) {
	var n Notify
	for _, line := range strings.Split(string(msg), "\n") {
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return n, fmt.Errorf("notify: %q is not KEY=VALUE", line)
		}
		if err := n.set(k, v); err != nil {
			return n, fmt.Errorf("notify %s: %w", k, err)
		}
	}
	return n, nil
}

func (n *Notify) set(k, v string) error {
	var err error
	switch k {
	case "READY":
		n.Ready, err = notifyFlag(v)
	case "STOPPING":
		n.Stopping, err = notifyFlag(v)
	case "RELOADING":
		n.Reloading, err = notifyFlag(v)
	case "WATCHDOG":
		if v == "trigger" {
			n.WatchdogTrigger = true
			return nil
		}
		n.Watchdog, err = notifyFlag(v)
	case "STATUS":
		n.Status = v
	case "MAINPID":
		n.MainPID, err = positive(v)
	case "ERRNO":
		n.Errno, err = strconv.Atoi(v)
	default:
		n.Unknown = append(n.Unknown, k)
	}
	return err
}

func notifyFlag(v string) (bool, error) {
	if v != "1" {
		return false, fmt.Errorf("value %q, want 1", v)
	}
	return true, nil
}

func positive(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("value %q, want a positive pid", v)
	}
	return n, nil
}
