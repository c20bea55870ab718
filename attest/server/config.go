package server

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/moat-sh/moat/attest"
	"go.yaml.in/yaml/v3"
)

// Config is moat-attestd's configuration, read from YAML.
type Config struct {
	Listen        string          `yaml:"listen"`        // default 127.0.0.1:8443
	Store         string          `yaml:"store"`         // SQLite path or postgres:// DSN; default attestd.db
	TLSCert       string          `yaml:"tlsCert"`       // PEM; plain HTTP when empty
	TLSKey        string          `yaml:"tlsKey"`        // PEM
	OperatorToken string          `yaml:"operatorToken"` // bearer token for the fleet views; open when empty
	Interval      time.Duration   `yaml:"interval"`      // the instances' report interval, default 60s
	NonceTTL      time.Duration   `yaml:"nonceTTL"`      // default 5m
	TokenTTL      time.Duration   `yaml:"tokenTTL"`      // default 24h
	MaxBodyBytes  int64           `yaml:"maxBodyBytes"`  // default 4 MiB
	MaxBatch      int             `yaml:"maxBatch"`      // default 500
	Baseline      attest.Baseline `yaml:"baseline"`
}

// Defaults returns the configuration used when no file is given.
func Defaults() Config {
	return Config{Listen: "127.0.0.1:8443", Store: "attestd.db", Interval: time.Minute,
		NonceTTL: 5 * time.Minute, TokenTTL: 24 * time.Hour, MaxBodyBytes: 4 << 20, MaxBatch: 500}
}

// LoadConfig reads a YAML file strictly (unknown fields are errors) over
// the defaults and validates it.
func LoadConfig(path string) (Config, error) {
	c := Defaults()
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.Listen == "":
		return errors.New("listen: empty")
	case c.Store == "":
		return errors.New("store: empty")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("tlsCert and tlsKey: set both or neither")
	case c.Interval < time.Second:
		return fmt.Errorf("interval: %s is under 1s", c.Interval)
	case c.NonceTTL < time.Second:
		return fmt.Errorf("nonceTTL: %s is under 1s", c.NonceTTL)
	case c.TokenTTL < time.Minute:
		return fmt.Errorf("tokenTTL: %s is under 1m", c.TokenTTL)
	case c.MaxBodyBytes < 1024:
		return fmt.Errorf("maxBodyBytes: %d is under 1024", c.MaxBodyBytes)
	case c.MaxBatch < 1:
		return fmt.Errorf("maxBatch: %d is under 1", c.MaxBatch)
	case c.Baseline.MaxImageAge < 0:
		return errors.New("baseline.maxImageAge: negative")
	}
	return nil
}
