package nriplugin

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/containerd/nri/pkg/api"
	"github.com/containerd/nri/pkg/stub"
	"github.com/moat-sh/moat/daemon/localapi"
)

// Main runs the plugin as a program (cmd/moat-nri) and returns its exit
// code; it reconnects when containerd goes away, until SIGTERM. Flags: -moatd (default $MOAT_SOCKET, else localapi.DefaultSocket),
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
	api := localapi.NewClient(*moatd)
	for {
		err := serve(ctx, api, log, *nri)
		if ctx.Err() != nil {
			return nil
		}
		// containerd restarted or is not up yet: connect again
		log.Warn("nri connection", "error", fmt.Sprint(err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// serve runs one connection to containerd's NRI until it ends.
func serve(ctx context.Context, api Admitter, log *slog.Logger, nri string) error {
	p, err := New(api, log, stub.WithSocketPath(nri))
	if err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // the stub's Run ends with its connection, not with ctx
		select {
		case <-ctx.Done():
			p.Stop()
		case <-done:
		}
	}()
	log.Info("moat-nri connecting", "nri", nri)
	return p.Run(ctx)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
