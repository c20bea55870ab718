// Package lifecycle decides when a managed instance drains and when it
// terminates.
//
// Contract:
//   - Config is the `lifecycle` block of moatd's YAML configuration, kept as
//     written; Config.Resolve checks it and returns Settings with every
//     default filled in, or an error that names each bad field
//     (`lifecycle.drainAfter: ...`). Resolve changes nothing on error.
//   - Schedule is a pure function of the launch time, the settings, the
//     current instance time, the vulnerability report and the operator's
//     drain request. It returns a Plan: when to drain and why, when to
//     terminate, the next maintenance window and what to do now.
//   - Windows are weekly UTC time ranges or cron expressions with a
//     duration; Windows.Occurrences lists them over a time range, with
//     overlapping or touching occurrences merged into one.
//   - The launch time comes from the configuration or from a first-boot
//     record in the state folder (written atomically and fsync'd).
//     Instance time is the boot's wall-clock anchor plus CLOCK_BOOTTIME, so
//     setting the wall clock back changes nothing while the instance runs;
//     Instance.Checkpoint bounds what a reboot with the clock set back gains.
//   - StopTimeout reads a container's stop-timeout label, within 120 s.
//   - Scheduler is the thin runtime part: it recomputes the Plan when its
//     inputs change and calls OnDrain and OnTerminate once each, at their
//     times, on an injected clock. A started drain stays, also across a
//     restart of the daemon through SaveDrain and LoadDrain.
//
// The package performs no drain itself: the daemon wires the callbacks to
// admission, containerd and the end action. See docs/lifecycle.md.
package lifecycle
