package selinux

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
)

// The binary policy format's header (libsepol's policydb_write).
const (
	policyMagic    = 0xf97cff8c
	policyTarget   = "SE Linux"
	configMLS      = 1
	configReject   = 2
	configAllow    = 4
	minPolicyVers  = 30 // the oldest format 6.1 and secilc share here
	kernelMaxVers  = 33 // POLICYDB_VERSION_MAX of Linux 6.1
	policyHeadSize = 4 + 4 + len(policyTarget) + 4 + 4
)

// PolicyHeader is what Verify reads from a binary policy.
type PolicyHeader struct {
	Version       uint32
	MLS           bool
	HandleUnknown string // deny, reject or allow
}

// Verify checks that the file at path is a binary SELinux policy that
// the target kernel (Linux 6.1) loads the way moat needs: the SELinux
// magic and target, a format version the kernel reads, MLS (for MCS)
// and handle_unknown deny. Load verifies before loading.
func Verify(path string) (PolicyHeader, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PolicyHeader{}, fmt.Errorf("verify policy: %w", err)
	}
	h, err := parseHeader(data)
	if err != nil {
		return h, fmt.Errorf("verify policy %s: %w", path, err)
	}
	return h, nil
}

func parseHeader(data []byte) (PolicyHeader, error) {
	var h PolicyHeader
	if len(data) < policyHeadSize {
		return h, fmt.Errorf("%d bytes is too short for a binary policy", len(data))
	}
	le := binary.LittleEndian
	if m := le.Uint32(data); m != policyMagic {
		return h, fmt.Errorf("magic is %#x, want %#x (not a binary SELinux policy)", m, policyMagic)
	}
	n := le.Uint32(data[4:])
	if n != uint32(len(policyTarget)) || !bytes.Equal(data[8:8+n], []byte(policyTarget)) {
		return h, fmt.Errorf("target is not %q (a Xen policy?)", policyTarget)
	}
	rest := data[8+len(policyTarget):]
	h.Version = le.Uint32(rest)
	config := le.Uint32(rest[4:])
	h.MLS = config&configMLS != 0
	h.HandleUnknown = handleUnknown(config)
	switch {
	case h.Version < minPolicyVers || h.Version > kernelMaxVers:
		return h, fmt.Errorf("version is %d, want %d to %d (Linux 6.1 reads up to %d; secilc -c sets it)",
			h.Version, minPolicyVers, kernelMaxVers, kernelMaxVers)
	case !h.MLS:
		return h, fmt.Errorf("mls is off, want on (MCS needs (mls true))")
	case h.HandleUnknown != "deny":
		return h, fmt.Errorf("handle_unknown is %s, want deny ((handleunknown deny) in base.cil)", h.HandleUnknown)
	}
	return h, nil
}

func handleUnknown(config uint32) string {
	switch {
	case config&configAllow != 0:
		return "allow"
	case config&configReject != 0:
		return "reject"
	}
	return "deny"
}
