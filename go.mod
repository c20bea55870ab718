module github.com/moat-sh/moat

go 1.26

require (
	github.com/opencontainers/selinux v1.15.1
	golang.org/x/sys v0.26.0
)

require github.com/cyphar/filepath-securejoin v0.5.1 // indirect
