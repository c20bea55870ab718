// Package harness runs a compiled Go test binary inside a QEMU VM that
// boots the Debian kernel with BPF LSM and SELinux, so that tests which
// need a real kernel run on machines whose own kernel refuses them.
//
// It is used through cmd/moat-vmexec as `go test -exec moat-vmexec`. For
// each test binary it builds an initramfs holding the binary, the package's
// testdata, the host programs listed in testdata/vm-tools (with their
// shared libraries) and the kernel modules listed in testdata/vm-modules
// (with their dependencies), boots it, streams the binary's output back and
// exits with the binary's exit code. The same executable is the VM's init:
// run as PID 1 it mounts the kernel filesystems, loads the modules, runs
// the test and powers the VM off.
//
// Inside the VM the environment has MOAT_VM=1; the test runs as root in the
// package folder (the same absolute path as on the host).
package harness
