package lifecycle

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StopTimeoutLabel is the container label that sets a container's stop
// timeout: the time between SIGTERM and SIGKILL during a drain.
const StopTimeoutLabel = "sh.moat.stop-timeout"

// StopTimeout reads the value of a container's StopTimeoutLabel. An empty
// value gives def. The value is a whole number of seconds ("45") or a
// duration ("45s", "2m"). A value that cannot be read gives def and an
// error; a value above MaxStopTimeout gives MaxStopTimeout and an error;
// so a drain always has a timeout to use and the error is only for the log.
func StopTimeout(value string, def time.Duration) (time.Duration, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return def, nil
	}
	d, err := parseSecondsOrDuration(value)
	if err != nil {
		return def, fmt.Errorf("label %s: %w: using %s", StopTimeoutLabel, err, def)
	}
	if d > MaxStopTimeout {
		return MaxStopTimeout, fmt.Errorf("label %s: %s is more than the maximum %s: using %s",
			StopTimeoutLabel, value, MaxStopTimeout, MaxStopTimeout)
	}
	return d, nil
}

func parseSecondsOrDuration(value string) (time.Duration, error) {
	if n, err := strconv.ParseUint(value, 10, 64); err == nil {
		return time.Duration(min(n, 1<<32)) * time.Second, nil // huge counts stay huge, not wrapped
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a number of seconds or a duration like 45s", value)
	}
	return d, nil
}

// LabelStopTimeout is StopTimeout of the StopTimeoutLabel in labels.
func LabelStopTimeout(labels map[string]string, def time.Duration) (time.Duration, error) {
	return StopTimeout(labels[StopTimeoutLabel], def)
}
