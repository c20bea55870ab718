package nriplugin

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/containerd/nri/pkg/api"
	"github.com/containerd/nri/pkg/stub"
	"github.com/moat-sh/moat/daemon/localapi"
)

// Main runs the plugin as a program (cmd/moat-nri) and returns its exit
// code. Flags: -moatd (default $MOAT_SOCKET, else localapi.DefaultSocket),
// -nri (NRI's socket, for an external plugin; a plugin that containerd
// launched gets its connection from the environment).
func Main(args []string) int {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(args, log); err != nil {
		log.Error("moat-nri", "error", err.Error())
		return 1
	}
	return 0
}

func run(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("moat-nri", flag.ContinueOnError)
	moatd := fs.String("moatd", envOr("MOAT_SOCKET", localapi.DefaultSocket), "moatd's local API socket")
	nri := fs.String("nri", api.DefaultSocketPath, "NRI socket of containerd")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := New(localapi.NewClient(*moatd), log, stub.WithSocketPath(*nri))
	if err != nil {
		return err
	}
	log.Info("moat-nri serving", "moatd", *moatd, "nri", *nri)
	if err := p.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("nri connection: %w", err)
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
