// Package config holds moat's containerd configuration: the TOML part to
// merge into containerd's config.toml (Containerd) and the systemd drop-in
// for containerd's service (SystemdDropIn). Paths are the production ones;
// the end-to-end tests run containerd with them replaced.
package config
