// Package watch is moatd's containerd client: it follows task and
// container events in every namespace, unregisters exited and deleted
// containers through moatd's local API (so the placement state and the
// BPF gate forget them), and rebuilds the placement state from
// containerd's containers and tasks on start and after every reconnect
// (Reconcile), so placement survives a moatd restart.
//
// A task that starts without being registered did not go through the
// runtime wrapper (a client that named its own runc binary, another
// runtime type): the watcher kills it (KillUnregistered, on by default).
//
// A container is live when it has a task that is created, running,
// paused or pausing. Its task is found as admission finds it (a TaskFunc,
// normally backend.Backend.TaskOf) from its spec's annotations and its
// containerd labels.
package watch
