package main

import (
	"strings"

	"golang.org/x/sys/unix"
)

// avcs are the SELinux denials in the kernel's log buffer.
func avcs() []string {
	buf := make([]byte, 1<<20)
	n, err := unix.Klogctl(unix.SYSLOG_ACTION_READ_ALL, buf)
	if err != nil || n <= 0 {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(buf[:n]), "\n") {
		if strings.Contains(l, "avc:") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// newAVCs prints the SELinux denials that came after the first seen ones
// (at most five), to explain a failed promise, and returns the first.
func (d *demo) newAVCs(seen int) string {
	all := avcs()
	if len(all) <= seen {
		return ""
	}
	fresh := all[seen:]
	if len(fresh) > 5 {
		d.say("SELinux: %d denials, the first five:", len(fresh))
		fresh = fresh[:5]
	}
	for _, l := range fresh {
		d.say("SELinux: %s", l)
	}
	_, first, _ := strings.Cut(fresh[0], "avc:")
	return "avc:" + first
}
