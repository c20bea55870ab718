// Package containerd integrates moat with containerd. Every integration
// asks the one admission decision of package policy through moatd's local
// API (daemon/localapi) and fails closed. The subpackages:
//
//   - runtime: the OCI runtime wrapper (cmd/moat-runtime) that containerd
//     runs in place of runc for every client: admission at create, cgroup
//     registration before start, exec checks, unregistration at delete.
//   - nriplugin: the NRI plugin (cmd/moat-nri) for the CRI path, made
//     required through NRI's default validator.
//   - watch: moatd's containerd client: task events in every namespace,
//     unregistration of gone containers, Reconcile of the placement state
//     after a restart, and killing of tasks that skipped the wrapper.
//   - backend: moatd's localapi.Backend over policy.Admit and placement.
//   - placement: the live placement state, with reservations.
//   - config: containerd's configuration part and systemd drop-in.
//   - e2e: end-to-end tests with real containerd, runc and crictl.
//
// docs/containerd.md describes the whole, with the configuration.
package containerd
