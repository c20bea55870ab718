package demo

import (
	"fmt"
	"io"
	"time"
)

// PrintSummary writes the summary: one line per result, then the counts
// and the times.
func PrintSummary(w io.Writer, o Outcome) {
	fmt.Fprintln(w, "\n==================== moat demo: summary ====================")
	for _, r := range o.Results {
		verdict := "FAIL"
		if r.OK {
			verdict = "PASS"
		}
		fmt.Fprintf(w, "%s  %-8s %s\n", verdict, r.ID, r.Promise)
	}
	cache := "built"
	if o.Cached {
		cache = "cached"
	}
	fmt.Fprintf(w, "%d of %d promises held; %d failed. Total %s (build %s, image %s; boot to scenario %s).\n",
		len(o.Results)-o.Failed(), len(o.Results), o.Failed(), o.Took.Round(time.Second),
		o.Build.Round(100*time.Millisecond), cache, o.Ready.Round(time.Second))
}
