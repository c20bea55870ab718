package guest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Scenario is the program the supervisor runs once the units are ready;
// the host writes it as JSON next to the program (ScenarioFile).
type Scenario struct {
	Argv []string `json:"argv"` // argv[0] absolute, or relative to the scenario folder
	Env  []string `json:"env,omitempty"`
}

// ScenarioDir is where stage 1 puts the scenario's files in the root.
const ScenarioDir = "/run/moat/scenario"

// ScenarioFile names the Scenario JSON in ScenarioDir.
const ScenarioFile = "scenario.json"

func readScenario(path string) (Scenario, error) {
	var s Scenario
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	if len(s.Argv) == 0 {
		return s, fmt.Errorf("%s: argv is empty", path)
	}
	if !filepath.IsAbs(s.Argv[0]) {
		s.Argv[0] = filepath.Join(filepath.Dir(path), s.Argv[0])
	}
	return s, nil
}

// startScenario runs the scenario with its output on out (the host).
func startScenario(s Scenario, dir string, out *os.File) (int, error) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	env := mergeEnv(append([]string{"MOAT_INSTANCE=1"}, baseEnv...), s.Env)
	pid, err := syscall.ForkExec(s.Argv[0], s.Argv, &syscall.ProcAttr{
		Dir: dir, Env: env,
		Files: []uintptr{null.Fd(), out.Fd(), out.Fd()},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return 0, fmt.Errorf("start scenario %s: %w", s.Argv[0], err)
	}
	return pid, nil
}

// exitCode turns a wait status into a shell-style exit code.
func exitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
