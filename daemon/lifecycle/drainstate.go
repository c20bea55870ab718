package lifecycle

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
)

// DrainFile is the name of the drain record in the state folder.
const DrainFile = "drain.json"

// DrainState is a drain that has started. The daemon saves it (SaveDrain)
// when OnDrain fires, so that a restarted daemon goes on draining
// (SchedulerOptions.Drained) instead of admitting tasks again.
type DrainState struct {
	At       time.Time `json:"at"`
	Reason   Reason    `json:"reason"`
	InWindow bool      `json:"inWindow"`
}

// SaveDrain writes d to <stateDir>/drain.json atomically.
func SaveDrain(stateDir string, d DrainState) error {
	if err := writeJSON(stateDir, DrainFile, d); err != nil {
		return fmt.Errorf("write drain record: %w", err)
	}
	return nil
}

// LoadDrain reads <stateDir>/drain.json. With no such file it returns nil
// and no error; a file that cannot be read is an error.
func LoadDrain(stateDir string) (*DrainState, error) {
	path := filepath.Join(stateDir, DrainFile)
	var d DrainState
	err := readJSON(path, &d)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read drain record %s: %w", path, err)
	case d.At.IsZero():
		return nil, fmt.Errorf("read drain record %s: no drain time", path)
	}
	switch d.Reason {
	case ReasonSchedule, ReasonVulnerable, ReasonOperator:
		return &d, nil
	}
	return nil, fmt.Errorf("read drain record %s: unknown reason %q", path, d.Reason)
}
