package status

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"
)

const usage = `usage: moat [--socket PATH] COMMAND

commands:
  status          the instance: rule families, SELinux, tasks, lifetime, reporting
  status --json   the same as JSON
  events          follow audit events
  events --json   the same as JSON lines
  reload          reload moatd's configuration file (it stays unchanged on any error)
  drain           drain the instance now (operator request)
`

// CLI is the moat command. It returns the process exit code.
func CLI(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("moat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	socket := fs.String("socket", DefaultSocket, "moatd's status socket")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	sub := flag.NewFlagSet(fs.Arg(0), flag.ContinueOnError)
	sub.SetOutput(stderr)
	asJSON := sub.Bool("json", false, "print JSON")
	if err := sub.Parse(fs.Args()[1:]); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	c := NewClient(*socket)
	var err error
	switch fs.Arg(0) {
	case "status":
		err = printStatus(ctx, c, stdout, *asJSON)
	case "events":
		err = followEvents(ctx, c, stdout, *asJSON)
	case "reload":
		if err = c.Reload(ctx); err == nil {
			fmt.Fprintln(stdout, "moatd reloaded its configuration")
		}
	case "drain":
		if err = c.Drain(ctx); err == nil {
			fmt.Fprintln(stdout, "moatd drains the instance")
		}
	default:
		fmt.Fprintf(stderr, "moat: unknown command %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "moat: %v\n", err)
		return 1
	}
	return 0
}

func printStatus(ctx context.Context, c *Client, w io.Writer, asJSON bool) error {
	s, err := c.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return WriteTable(w, s, time.Now())
}

func followEvents(ctx context.Context, c *Client, w io.Writer, asJSON bool) error {
	return c.Events(ctx, func(raw []byte) error {
		if asJSON {
			_, err := fmt.Fprintf(w, "%s\n", raw)
			return err
		}
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		_, err := fmt.Fprintln(w, FormatRecord(r))
		return err
	})
}
