module github.com/moat-sh/moat

go 1.26.0

require (
	github.com/cilium/ebpf v0.22.0
	github.com/opencontainers/selinux v1.15.1
	golang.org/x/sys v0.50.0
)

require github.com/cyphar/filepath-securejoin v0.5.1 // indirect

tool github.com/cilium/ebpf/cmd/bpf2go
