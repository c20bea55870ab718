// Package containerd integrates moat with containerd: an OCI runtime
// wrapper that containerd runs in place of runc, an NRI plugin for the CRI
// path, and a client that follows task events and rebuilds placement state
// after a restart. Every integration asks the one admission decision of
// package policy, through moatd's local API.
package containerd
