// Package vmtests holds the tests that need a real kernel with BPF LSM and
// SELinux, up to whole-system runs. They run inside a QEMU VM through the
// harness in vmtests/harness (see cmd/moat-vmexec), never on the host.
package vmtests
