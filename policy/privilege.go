package policy

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// privilegeFindings lists what in the spec grants privilege beyond
// capabilities, in the order of docs/admission.md.
func privilegeFindings(spec *specs.Spec, req *Request, h *Host) []finding {
	var fs []finding
	add := func(f finding, ok bool) {
		if ok {
			fs = append(fs, f)
		}
	}
	add(hostNamespaces(spec.Linux, h))
	fs = append(fs, deviceFindings(spec.Linux)...)
	fs = append(fs, mountFindings(spec, req, h)...)
	add(procSysFinding(spec))
	add(selinuxFinding(spec.Process))
	add(seccompFinding(spec.Linux))
	return fs
}
