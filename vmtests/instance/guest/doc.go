// Package guest is the code that runs inside a moat instance VM.
//
// Stage1 is the initramfs's /init: it loads the kernel modules, opens the
// root image through dm-verity (root hash from the kernel command line),
// mounts it read-only with the data disk on /var and the kernel
// filesystems, and switches root to /sbin/init (cmd/moat-supervise).
//
// Supervisor is the instance's PID 1 after that: a unit-like service
// manager. It reads a unit list (LoadUnits), gives each unit a systemd
// notify socket (NOTIFY_SOCKET, WATCHDOG_USEC), starts units once their
// dependencies are active (a notify unit is active at READY=1, a oneshot
// once it exited 0), restarts those with restart: always that die or miss
// their watchdog, reaps every zombie, logs unit events to the console and,
// once every unit is active, runs the scenario: its output goes to the
// host's serial port (/dev/ttyS1) followed by the line "@@moat-vm exit=N",
// then the VM powers off. A control socket (Control, `moat-supervise ctl
// stop|kill|start NAME`, `ctl status`) lets the scenario hold a unit down.
//
// The pure parts (unit validation, notify message parsing, the restart
// decision and the supervisor's state machine) are tested on the host; the
// effects (fork/exec, reaping, sockets, mounts) are thin.
package guest
