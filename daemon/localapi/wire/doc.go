// Package wire holds the types of moatd's local API (daemon/localapi),
// with no dependency on net: the runtime wrapper's client
// (containerd/runtime/apiclient) and the server share them, and the
// wrapper, started on every runc call, links as little as it can.
package wire
