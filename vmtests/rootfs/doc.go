// Package rootfs assembles a root filesystem for a VM in a staging folder
// on the host: host files copied to guest paths, busybox-static with a link
// per applet, and host programs with the shared libraries they load. The
// VM harness packs such a tree as an initramfs, the instance builder as an
// erofs image.
package rootfs
