module github.com/moat-sh/moat

go 1.26.0

require (
	github.com/cilium/ebpf v0.22.0
	golang.org/x/sys v0.50.0
)

require github.com/opencontainers/runtime-spec v1.3.0

require (
	golang.org/x/net v0.55.0 // indirect
	golang.org/x/sync v0.21.0 // indirect
)

tool github.com/cilium/ebpf/cmd/bpf2go
