// Package instance builds and boots a VM that plays a managed moat
// instance: the Debian kernel with BPF LSM and SELinux, a read-only erofs
// root on dm-verity, a blank ext4 data disk on /var, and containerd and
// moatd run as units by cmd/moat-supervise.
//
// Build makes the root image from a Spec (the moat binaries, the unit
// list, moat's config) and caches it under MOAT_CACHE/instance, keyed by
// the digests of its inputs. Boot starts QEMU with that image and a small
// per-boot initramfs (stage 1 and the scenario), waits for the units to
// be ready, streams the scenario's output and returns its exit code. The
// guest's network is QEMU's user-mode network with restrict=on: it
// reaches only the host loopback ports named in BootSpec.Forwards, as
// AttestAddr (AttestHost in /etc/hosts).
//
// See docs/instance.md for the layout, the markers and the measured
// times.
package instance
