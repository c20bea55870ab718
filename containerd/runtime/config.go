package runtime

import (
	"fmt"
	"time"

	"github.com/moat-sh/moat/daemon/localapi"
)

// The environment variables that configure the wrapper. containerd's runc
// shim passes its environment on, so they are set on containerd's service.
const (
	EnvRunc    = "MOAT_RUNC"          // the real runc, default DefaultRunc
	EnvSocket  = "MOAT_SOCKET"        // moatd's local API, default localapi.DefaultSocket
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
	c := Config{Runc: DefaultRunc, Socket: localapi.DefaultSocket, Timeout: DefaultTimeout}
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
