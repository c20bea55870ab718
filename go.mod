module github.com/moat-sh/moat

go 1.26.0

require (
	github.com/cilium/ebpf v0.22.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	github.com/opencontainers/runtime-spec v1.3.0
	gopkg.in/natefinch/lumberjack.v2 v2.2.1
)

require golang.org/x/net v0.59.0 // indirect

tool github.com/cilium/ebpf/cmd/bpf2go
