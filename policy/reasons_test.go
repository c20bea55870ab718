package policy

import (
	"fmt"
	"strings"
	"testing"
)

// TestReasonsGolden keeps every deny reason of the table in
// testdata/reasons.golden, so that a change of wording shows in review and
// docs/admission.md can quote them.
func TestReasonsGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range allAdmitCases() {
		if len(c.wantRules) == 0 {
			continue
		}
		s := c.settings
		d := Admit(&s, c.request())
		fmt.Fprintf(&b, "## %s\n%s\n\n", c.name, d.Reason)
	}
	compareGolden(t, "testdata/reasons.golden", []byte(b.String()))
}
