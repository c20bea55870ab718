package guest

// Lines the supervisor writes to the host's serial port (/dev/ttyS1)
// besides the scenario's output; the host takes them out of the stream.
// They extend vmtests/harness's convention (boot and exit).
const (
	MarkBoot  = "@@moat-vm boot "  // release=R lsm=L, when the supervisor starts
	MarkReady = "@@moat-vm ready " // units=N, when the scenario starts
	MarkExit  = "@@moat-vm exit="  // the scenario's exit code, then power off
	MarkFail  = "@@moat-vm fail "  // why the scenario could not run (before MarkExit)
	MarkUnit  = "@@moat-vm unit "  // NAME STATE, until the scenario starts
)

// Exit codes the supervisor reports when the scenario could not run.
const (
	ExitStage1      = 124 // stage 1 could not mount the root
	ExitUnitsFailed = 125 // a unit failed for good before all were ready
	ExitNoScenario  = 126 // the scenario file is missing or bad
	ExitScenarioRun = 127 // the scenario could not be started
)
