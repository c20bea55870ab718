// Package backend is a localapi.Backend over the one admission decision
// (policy.Admit) and the placement state (package containerd/placement):
// what moatd serves on its local API for the runtime wrapper and the NRI
// plugin. moatd fills in the hooks it has: the SELinux labels of a task
// (the MCS allocator) and the BPF capability gate.
//
// Admit identifies the container's task (policy.IdentifyTask: the CRI
// sandbox id, else the TaskKey annotation, else the container id), decides
// and, when it allows, reserves the container in the placement state under
// the same lock. Register confirms a reservation (a container that was not
// admitted is a bad request, so it is deleted by the wrapper) and then
// registers its cgroup with the gate, with the task and capability mask
// admission granted (not the ones the request claims). Unregister
// forgets a container and is idempotent: the watcher and the wrapper's
// delete both call it.
//
// Runtime serves the runtime's two calls around runc create over moatd's
// admission: Create parses runc's command line, reads the bundle's spec
// strictly, decides and writes the task's SELinux labels into the spec;
// Created reads the pid file and registers the init process's cgroup.
// moatd does this work so that the runtime that containerd's shim
// starts on create is small C (containerd/runtime/front).
package backend
