package status

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable renders s for a person, with ages and deadlines relative to now.
func WriteTable(w io.Writer, s Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "instance\t%s\tmoatd %s\n", s.InstanceID, s.Version)
	fmt.Fprintf(tw, "capacity provider\t%s\tplacement %s\n", s.Provider, s.Placement)
	fmt.Fprintf(tw, "selinux\t%s\t%s\n", s.SELinux.Mode, short(s.SELinux.PolicySHA256))
	fmt.Fprintln(tw, "\nRULE FAMILY\tMODE\tDENIALS")
	for _, f := range s.Families {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", f.Name, f.Mode, f.Denials)
	}
	fmt.Fprintln(tw, "\nTASK\tCONTAINERS\tMCS\tPRIVILEGED CAPABILITIES")
	if len(s.Tasks) == 0 {
		fmt.Fprintln(tw, "(none)\t\t\t")
	}
	for _, t := range s.Tasks {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", t.ID, len(t.Containers), orDash(t.MCS), orDash(strings.Join(t.Capabilities, ",")))
	}
	writeLifetime(tw, s.Lifetime, now)
	writeReporting(tw, s.Reporting, now)
	return tw.Flush()
}

func writeLifetime(w io.Writer, l Lifetime, now time.Time) {
	fmt.Fprintln(w, "\nLIFETIME\t\t")
	fmt.Fprintf(w, "age\t%s\tlaunched %s\n", age(now.Sub(l.LaunchTime)), stamp(l.LaunchTime))
	fmt.Fprintf(w, "drain by\t%s\tin %s\n", stamp(l.DrainBy), age(l.DrainBy.Sub(now)))
	fmt.Fprintf(w, "terminate by\t%s\tin %s\n", stamp(l.TerminateBy), age(l.TerminateBy.Sub(now)))
	if l.NextWindow != nil {
		fmt.Fprintf(w, "next window\t%s\tto %s\n", stamp(l.NextWindow.Start), stamp(l.NextWindow.End))
	} else {
		fmt.Fprintln(w, "next window\t-\t")
	}
	if l.Draining {
		fmt.Fprintf(w, "draining\tyes\t%s\n", l.DrainReason)
	} else if l.DrainAt != nil {
		fmt.Fprintf(w, "drain at\t%s\t%s\n", stamp(*l.DrainAt), l.DrainReason)
	}
}

func writeReporting(w io.Writer, r Reporting, now time.Time) {
	fmt.Fprintln(w, "\nREPORTING\t\t")
	last := "never"
	if !r.LastDelivered.IsZero() {
		last = stamp(r.LastDelivered) + " (" + age(now.Sub(r.LastDelivered)) + " ago)"
	}
	fmt.Fprintf(w, "endpoint\t%s\t\n", orDash(r.Endpoint))
	fmt.Fprintf(w, "last delivered\t%s\t\n", last)
	fmt.Fprintf(w, "spool depth\t%d\t%s\n", r.SpoolDepth, r.LastError)
}

// age prints a duration in days, hours and minutes.
func age(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := int(d / (24 * time.Hour))
	h := int(d % (24 * time.Hour) / time.Hour)
	m := int(d % time.Hour / time.Minute)
	if days > 0 {
		return fmt.Sprintf("%s%dd%02dh", sign, days, h)
	}
	return fmt.Sprintf("%s%dh%02dm", sign, h, m)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func short(digest string) string {
	if len(digest) > 16 {
		return "sha256:" + digest[:16] + "…"
	}
	return orDash(digest)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// FormatRecord renders an audit record on one line.
func FormatRecord(r Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-7s %-6s %s pid=%d comm=%q uid=%d", r.Time.UTC().Format(time.RFC3339), r.Verdict, r.Rule, r.Hook, r.Tgid, r.Comm, r.UID)
	for _, kv := range [][2]string{{"container", r.Container}, {"cap", r.Capability}, {"path", r.Path}, {"target", r.Target}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	return b.String()
}
