// Package daemon is the composition root of the instance side: it reads
// the configuration, starts the parts in order (kernel checks, BPF, SELinux,
// local API, containerd, reporter), talks to systemd (notify, watchdog),
// schedules drain and termination, and serves status, metrics and the
// audit log.
package daemon
