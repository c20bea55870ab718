package daemon

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/moat-sh/moat/daemon/lifecycle"
	"github.com/moat-sh/moat/daemon/localapi"
	"github.com/moat-sh/moat/daemon/status"
	"github.com/moat-sh/moat/policy"
	"go.yaml.in/yaml/v3"
)

// DefaultConfigPath is where moatd reads its configuration.
const DefaultConfigPath = "/etc/moat/config.yaml"

// Config is moatd's configuration file. Every key is documented in
// docs/configuration.md.
type Config struct {
	StateDir         string            `yaml:"stateDir"`
	FIPS             bool              `yaml:"fips"`
	CapacityProvider policy.Settings   `yaml:"capacityProvider"`
	Enforcement      Enforcement       `yaml:"enforcement"`
	Lifecycle        lifecycle.Config  `yaml:"lifecycle"`
	Attestation      AttestationConfig `yaml:"attestation"`
	Containerd       ContainerdConfig  `yaml:"containerd"`
	API              APIConfig         `yaml:"api"`
	Metrics          MetricsConfig     `yaml:"metrics"`
	Audit            AuditConfig       `yaml:"audit"`

	lifecycle lifecycle.Settings // resolved by Validate
}

// Enforcement holds one block per rule family.
type Enforcement struct {
	Root    RootConfig    `yaml:"root"`
	Exec    ExecConfig    `yaml:"exec"`
	Caps    CapsConfig    `yaml:"caps"`
	Tamper  FamilyConfig  `yaml:"tamper"`
	SELinux SELinuxConfig `yaml:"selinux"`
}

// FamilyConfig is a rule family's mode: enforce, audit or off.
type FamilyConfig struct {
	Mode string `yaml:"mode"`
}

// CapsConfig is the capability-gate family.
type CapsConfig struct {
	Mode string `yaml:"mode"`
	// HostCgroups are cgroup v2 folders whose processes are host context
	// even in a private mount namespace (systemd services with
	// PrivateTmp= or ProtectSystem=); default /sys/fs/cgroup/system.slice.
	HostCgroups []string `yaml:"hostCgroups"`
}

// RootConfig is the immutable-root family.
type RootConfig struct {
	Mode       string   `yaml:"mode"`
	Protect    []string `yaml:"protect"`    // mount points of protected filesystems
	MountAllow []string `yaml:"mountAllow"` // directories that may be mounted over
}

// ExecConfig is the no-shell-in-the-host-context family.
type ExecConfig struct {
	Mode         string   `yaml:"mode"`
	Deny         []string `yaml:"deny"`         // program names or paths; default: shells, logins, remote access
	AllowCgroups []string `yaml:"allowCgroups"` // cgroup v2 folders that may run them
}

// SELinuxConfig says which policy to load and in which mode.
type SELinuxConfig struct {
	Mode   string `yaml:"mode"`   // enforcing, permissive or off
	Policy string `yaml:"policy"` // compiled policy to load
}

// AttestationConfig is the reporter's.
type AttestationConfig struct {
	Endpoint   string `yaml:"endpoint"`   // https URL of moat-attestd; empty: no reporting
	CA         string `yaml:"ca"`         // PEM bundle for the server's certificate
	TokenFile  string `yaml:"tokenFile"`  // one-time enrolment token
	InstanceID string `yaml:"instanceID"` // default: /etc/machine-id
	Interval   string `yaml:"interval"`   // default 60s
	SpoolMax   int    `yaml:"spoolMax"`   // reports kept unsent at most; default 10000
}

// ContainerdConfig says where containerd is and how tasks are named.
type ContainerdConfig struct {
	Address string `yaml:"address"` // default /run/containerd/containerd.sock
	TaskKey string `yaml:"taskKey"` // label or annotation naming a task, for non-CRI clients
}

// APIConfig places moatd's sockets.
type APIConfig struct {
	Socket       string `yaml:"socket"`       // local API for the integrations
	StatusSocket string `yaml:"statusSocket"` // for the moat CLI
}

// MetricsConfig is the Prometheus listener.
type MetricsConfig struct {
	Address string `yaml:"address"` // host:port; empty: no metrics
}

// LoadConfig reads, strictly decodes and validates a config file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes a config document; unknown keys and wrong types are
// errors that name the field.
func ParseConfig(data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	c := &Config{}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty: capacityProvider is required")
	}
	if err := checkKeys(doc.Content[0], configType, ""); err != nil {
		return nil, err
	}
	if err := doc.Content[0].Decode(c); err != nil {
		return nil, typeErrors(err)
	}
	c.setDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) setDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.StateDir, "/var/lib/moat")
	for _, m := range []*string{&c.Enforcement.Root.Mode, &c.Enforcement.Exec.Mode, &c.Enforcement.Caps.Mode, &c.Enforcement.Tamper.Mode} {
		def(m, "enforce")
	}
	if c.Enforcement.Root.Protect == nil {
		c.Enforcement.Root.Protect = []string{"/"}
	}
	def(&c.Enforcement.SELinux.Mode, "enforcing")
	def(&c.Enforcement.SELinux.Policy, "/usr/share/moat/selinux/policy.bin")
	def(&c.Attestation.Interval, "60s")
	def(&c.Containerd.Address, "/run/containerd/containerd.sock")
	def(&c.API.Socket, localapi.DefaultSocket)
	def(&c.API.StatusSocket, status.DefaultSocket)
}

// Validate checks every value and resolves the lifecycle; its errors name
// the field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if err := c.CapacityProvider.Validate(); err != nil {
		errs = append(errs, err)
	}
	families := map[string]string{
		"enforcement.root.mode": c.Enforcement.Root.Mode, "enforcement.exec.mode": c.Enforcement.Exec.Mode,
		"enforcement.caps.mode": c.Enforcement.Caps.Mode, "enforcement.tamper.mode": c.Enforcement.Tamper.Mode,
	}
	for field, mode := range families {
		if mode != "enforce" && mode != "audit" && mode != "off" {
			bad(field, "%q is not a mode: want enforce, audit or off", mode)
		}
	}
	switch c.Enforcement.SELinux.Mode {
	case "enforcing", "permissive", "off":
	default:
		bad("enforcement.selinux.mode", "%q: want enforcing, permissive or off", c.Enforcement.SELinux.Mode)
	}
	absPaths(bad, "stateDir", []string{c.StateDir})
	absPaths(bad, "enforcement.root.protect", c.Enforcement.Root.Protect)
	absPaths(bad, "enforcement.root.mountAllow", c.Enforcement.Root.MountAllow)
	absPaths(bad, "enforcement.exec.allowCgroups", c.Enforcement.Exec.AllowCgroups)
	absPaths(bad, "enforcement.caps.hostCgroups", c.Enforcement.Caps.HostCgroups)
	if len(c.Enforcement.Root.Protect) == 0 && c.Enforcement.Root.Mode != "off" {
		bad("enforcement.root.protect", "empty while the root family is %s: name at least one mount point, such as /", c.Enforcement.Root.Mode)
	}
	lc, err := c.Lifecycle.Resolve()
	if err != nil {
		errs = append(errs, err)
	}
	c.lifecycle = lc
	errs = append(errs, c.Attestation.validate()...)
	if a := c.Metrics.Address; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			bad("metrics.address", "%q: want host:port, e.g. 127.0.0.1:9120", a)
		}
	}
	return errors.Join(errs...)
}

func (a AttestationConfig) validate() []error {
	var errs []error
	if a.Endpoint != "" {
		u, err := url.Parse(a.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("attestation.endpoint: %q: want an https:// URL", a.Endpoint))
		}
	}
	if d, err := time.ParseDuration(a.Interval); err != nil || d < time.Second || d > time.Hour {
		errs = append(errs, fmt.Errorf("attestation.interval: %q: want a duration from 1s to 1h, e.g. 60s", a.Interval))
	}
	if a.SpoolMax < 0 {
		errs = append(errs, fmt.Errorf("attestation.spoolMax: %d: want a positive count", a.SpoolMax))
	}
	return errs
}

func absPaths(bad func(string, string, ...any), field string, paths []string) {
	for i, p := range paths {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			bad(fmt.Sprintf("%s[%d]", field, i), "%q: want a clean absolute path", p)
		}
	}
}

// LifecycleSettings is the resolved lifecycle block.
func (c *Config) LifecycleSettings() lifecycle.Settings { return c.lifecycle }

// Modes returns each BPF rule family's mode by name.
func (c *Config) Modes() map[string]string {
	e := c.Enforcement
	return map[string]string{"root": e.Root.Mode, "exec": e.Exec.Mode, "caps": e.Caps.Mode, "tamper": e.Tamper.Mode}
}
