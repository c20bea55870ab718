// Package e2e holds moat's end-to-end tests of the containerd integration
// with real containerd and Debian's runc, on the host: the test starts its
// own containerd (root, state and sockets under a temporary folder; the
// runc runtime's BinaryName and the PATH of containerd's shims pointing at
// moat-runtime; NRI enabled on its own socket with moat a required plugin),
// a real local API server over containerd/backend and policy.Admit, the
// containerd watcher and the moat-nri plugin. Images (busybox-static with
// applet links, and a pause image the same way) are built in Go as OCI
// layout tars and imported with ctr.
//
// It needs containerd, ctr, containerd-shim-runc-v2, crictl and the CNI
// loopback plugin in .cache/containerd/bin (scripts/containerd, run by make
// deps), runc at /usr/sbin/runc and busybox-static at /bin/busybox, and
// root. A missing piece fails the suite with what to run; nothing skips.
package e2e
