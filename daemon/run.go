package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Version is moatd's version, set at build time with -ldflags -X.
var Version = "0.1.0-dev"

// ExitConfig is moatd's exit code for a configuration it refuses.
const ExitConfig = 78 // EX_CONFIG

// Main is moatd: it parses the flags and runs the daemon until SIGTERM.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("moatd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", DefaultConfigPath, "the configuration file")
	check := fs.Bool("check", false, "validate the configuration and exit")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case *version:
		fmt.Fprintln(stdout, "moatd", Version)
		return 0
	case *check:
		return checkConfig(*path, stdout, stderr)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	err := Run(ctx, Options{ConfigPath: *path, Log: log, AuditOut: stdout})
	var exit exitError
	switch {
	case errors.As(err, &exit):
		log.Info("moatd exits", "code", int(exit), "reason", err.Error())
		return int(exit)
	case errors.Is(err, errConfig):
		log.Error("moatd cannot start", "err", err)
		return ExitConfig
	case err != nil:
		log.Error("moatd stopped", "err", err)
		return 1
	}
	return 0
}

func checkConfig(path string, stdout, stderr io.Writer) int {
	c, err := LoadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "moatd: %v\n", err)
		return ExitConfig
	}
	fmt.Fprintf(stdout, "%s: ok (capacity provider %q, placement %s, privileged %s)\n",
		path, c.CapacityProvider.Name, c.CapacityProvider.TaskPlacement, c.CapacityProvider.Allowed())
	return 0
}

func logLevel() slog.Level {
	if os.Getenv("MOAT_DEBUG") == "1" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// Options are what Run needs besides the config file.
type Options struct {
	ConfigPath string
	Log        *slog.Logger
	AuditOut   io.Writer // audit events as JSON lines (journald)
}

var errConfig = errors.New("configuration refused")

// exitError ends moatd with a given exit code (the drained end action).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit code %d", int(e)) }
