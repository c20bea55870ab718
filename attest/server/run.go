package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/moat-sh/moat/attest/store"
)

const usage = `usage:
  moat-attestd [serve] [-config FILE]
  moat-attestd token create -instance ID [-ttl DURATION] [-config FILE]`

// Main runs the moat-attestd command line: serve (the default), or
// token create, which prints a one-time enrolment token bound to an
// instance id.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCmd(ctx, args, stderr)
	case "token":
		if len(args) == 0 || args[0] != "create" {
			return fmt.Errorf("token: want \"token create\"\n%s", usage)
		}
		return tokenCmd(ctx, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func loadConfig(path string) (Config, error) {
	if path == "" {
		return Defaults(), nil
	}
	return LoadConfig(path)
}

func tokenCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	config := fs.String("config", "", "config file")
	instance := fs.String("instance", "", "instance id the token is bound to")
	ttl := fs.Duration("ttl", 0, "validity (default: the config's tokenTTL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *instance == "" {
		return errors.New("token create: -instance is required")
	}
	cfg, err := loadConfig(*config)
	if err != nil {
		return err
	}
	if *ttl == 0 {
		*ttl = cfg.TokenTTL
	}
	st, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	tok, err := st.CreateToken(ctx, *instance, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func serveCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	config := fs.String("config", "", "config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*config)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	TuneGC()
	st, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("moat-attestd serving", "addr", ln.Addr().String(), "postgres", st.Postgres(), "tls", cfg.TLSCert != "")
	err = Serve(ctx, ln, New(st, cfg, log), cfg)
	log.Info("moat-attestd stopped", "err", err)
	return err
}

// Serve serves srv on ln until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, ln net.Listener, srv *Server, cfg Config) error {
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(srv.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}
