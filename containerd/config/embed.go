package config

import _ "embed"

// Containerd is containerd-moat.toml.
//
//go:embed containerd-moat.toml
var Containerd string

// SystemdDropIn is containerd-moat.conf.
//
//go:embed containerd-moat.conf
var SystemdDropIn string

// The production paths in Containerd and SystemdDropIn.
const (
	RuntimePath     = "/usr/libexec/moat/runc"
	RuntimeDir      = "/usr/libexec/moat"
	NRISocket       = "/var/run/nri/nri.sock"
	NRIPluginPath   = "/opt/nri/plugins"
	NRIPluginConfig = "/etc/nri/conf.d"
	RequiredNRIName = "moat"
)
