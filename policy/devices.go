package policy

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// memoryDevices are the char devices 1:1 (/dev/mem), 1:2 (/dev/kmem) and
// 1:4 (/dev/port): raw access to the host's memory and I/O ports.
var memoryMinors = map[int64]string{1: "/dev/mem", 2: "/dev/kmem", 4: "/dev/port"}

// deviceFindings reports device access that reaches the host: a cgroup rule
// allowing read or write to every device (of every type, or every block or
// char device), to block devices, or to the memory devices; and device
// nodes of those kinds in linux.devices (runc allows the nodes it creates).
func deviceFindings(l *specs.Linux) []finding {
	if l == nil {
		return nil
	}
	var fs []finding
	if l.Resources != nil {
		for i, d := range l.Resources.Devices {
			if what, ok := cgroupRuleAccess(d); ok {
				fs = append(fs, finding{rule: RuleDevices, what: fmt.Sprintf(
					"may access %s (linux.resources.devices[%d]: allow %s)", what, i, ruleString(d))})
			}
		}
	}
	for i, d := range l.Devices {
		if what, ok := deviceNodeAccess(d); ok {
			fs = append(fs, finding{rule: RuleDevices, what: fmt.Sprintf(
				"gets %s (linux.devices[%d]: %s %s %d:%d)", what, i, d.Path, d.Type, d.Major, d.Minor)})
		}
	}
	return fs
}

func cgroupRuleAccess(d specs.LinuxDeviceCgroup) (string, bool) {
	if !d.Allow || !readsOrWrites(d.Access) {
		return "", false
	}
	anyMajor := d.Major == nil || *d.Major < 0
	anyMinor := d.Minor == nil || *d.Minor < 0
	switch {
	case (d.Type == "" || d.Type == "a") && anyMajor:
		return "every device", true
	case d.Type == "b" || d.Type == "" || d.Type == "a":
		return "block devices", true
	case d.Type == "c" && anyMajor:
		return "every char device", true
	case d.Type == "c" && *d.Major == 1 && anyMinor:
		return "the memory devices /dev/mem, /dev/kmem and /dev/port", true
	case d.Type == "c" && *d.Major == 1 && memoryMinors[*d.Minor] != "":
		return memoryMinors[*d.Minor], true
	}
	return "", false
}

func readsOrWrites(access string) bool {
	return access == "" || strings.ContainsAny(access, "rw")
}

func deviceNodeAccess(d specs.LinuxDevice) (string, bool) {
	switch {
	case d.Type == "b":
		return "a block device", true
	case (d.Type == "c" || d.Type == "u") && d.Major == 1 && memoryMinors[d.Minor] != "":
		return memoryMinors[d.Minor], true
	}
	return "", false
}

func ruleString(d specs.LinuxDeviceCgroup) string {
	num := func(p *int64) string {
		if p == nil || *p < 0 {
			return "*"
		}
		return fmt.Sprint(*p)
	}
	typ, access := d.Type, d.Access
	if typ == "" {
		typ = "a"
	}
	if access == "" {
		access = "rwm"
	}
	return fmt.Sprintf("%s %s:%s %s", typ, num(d.Major), num(d.Minor), access)
}
