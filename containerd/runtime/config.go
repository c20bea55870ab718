package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/moat-sh/moat/containerd/runtime/apiclient"
)

// The environment variables that configure the wrapper. containerd's runc
// shim passes its environment on, so they are set on containerd's service.
const (
	EnvRunc    = "MOAT_RUNC"          // the real runc, default DefaultRunc
	EnvSocket  = "MOAT_SOCKET"        // moatd's local API, default apiclient.DefaultSocket
	EnvTimeout = "MOAT_ADMIT_TIMEOUT" // a Go duration, default DefaultTimeout
)

// Defaults.
const (
	DefaultRunc    = "/usr/sbin/runc"
	DefaultTimeout = 20 * time.Second
)

// Config says where the real runc and moatd are.
type Config struct {
	Runc    string
	Socket  string
	Timeout time.Duration // for each call to moatd
}

// ConfigFromEnv reads the Config from getenv (os.Getenv), with defaults.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Runc: DefaultRunc, Socket: apiclient.DefaultSocket, Timeout: DefaultTimeout}
	if v := getenv(EnvRunc); v != "" {
		c.Runc = v
	}
	if v := getenv(EnvSocket); v != "" {
		c.Socket = v
	}
	if v := getenv(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive duration such as 20s", EnvTimeout, v)
		}
		c.Timeout = d
	}
	return c, nil
}

// CheckNotSelf fails when runc is this very program: with the wrapper
// installed as "runc" in containerd's PATH, MOAT_RUNC must name the real
// runc by an absolute path, or every call would loop.
func CheckNotSelf(runc string) error {
	self, err := os.Executable()
	if err != nil {
		return nil // cannot tell; exec will fail loudly if it loops
	}
	a, errA := filepath.EvalSymlinks(self)
	b, errB := filepath.EvalSymlinks(runc)
	if errB != nil {
		return fmt.Errorf("%s=%q: %w", EnvRunc, runc, errB)
	}
	if errA == nil && a == b {
		return fmt.Errorf("%s=%q is moat-runtime itself: set it to the real runc, such as %s", EnvRunc, runc, DefaultRunc)
	}
	return nil
}
