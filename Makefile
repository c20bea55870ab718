# moat's front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO ?= go
export PATH := $(PATH):/usr/local/go/bin
export CGO_ENABLED ?= 0

BIN := $(CURDIR)/bin
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
VMEXEC := bin/moat-vmexec
# Packages whose tests need a real kernel: they run in the VM (-tags vmtest).
VM_PKGS := ./bpf/... ./policy/selinux/... ./vmtests/ ./vmtests/moatd/

.PHONY: help deps build generate generate-check test unit vmtest lint gocheck demo bench

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install missing Debian packages and fetch the Debian kernel (scripts/deps)
	@scripts/deps

gocheck:
	@command -v $(GO) >/dev/null || { echo "make: go not found: install Go 1.26 (/usr/local/go/bin/go)"; exit 1; }

# moat-runc's compiler and flags, as containerd/runtime/front's Compiler
# and CFlags say (musl: glibc's start-up asks the CPU for its caches, a
# hypervisor exit per question)
FRONT_CC := musl-gcc
FRONT_CFLAGS := -O2 -static -Wall -Wextra -Werror

build: gocheck ## build every command into bin/ (moat-runc with musl-gcc) and compile the SELinux policy (bin/selinux/policy.bin)
	$(GO) build -ldflags "-X github.com/moat-sh/moat/daemon.Version=$(VERSION)" -o $(BIN)/ ./cmd/...
	@command -v $(FRONT_CC) >/dev/null || { echo "make: no $(FRONT_CC) for moat-runc: make deps (Debian's musl-tools)"; exit 1; }
	$(FRONT_CC) $(FRONT_CFLAGS) -o $(BIN)/moat-runc containerd/runtime/front/src/moat-runc.c
	@command -v secilc >/dev/null || { echo "make: secilc not found: make deps"; exit 1; }
	@mkdir -p $(BIN)/selinux && $(BIN)/moat-policy compile $(BIN)/selinux/policy.bin

generate: gocheck ## regenerate the BPF objects and their Go bindings (needs clang, libbpf-dev)
	@command -v clang >/dev/null || { echo "make: clang not found: make deps"; exit 1; }
	$(GO) generate ./...

generate-check: generate ## fail if the committed generated files differ from make generate
	@git diff --exit-code --stat -- '*_bpfel.go' '*_bpfel.o' || \
		{ echo "make: generated files are stale: run make generate and commit"; exit 1; }

lint: gocheck ## gofmt, go vet (host and VM builds)
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags vmtest ./...

unit: gocheck ## host unit tests
	$(GO) test -count=1 ./...

$(VMEXEC): gocheck FORCE
	@$(GO) build -o $@ ./cmd/moat-vmexec

FORCE:

vmtest: deps build $(VMEXEC) ## the tests that need a real kernel, each package in a QEMU VM
	$(GO) test -count=1 -p 1 -v -tags vmtest -exec $(CURDIR)/$(VMEXEC) $(VM_PKGS)

demo: deps gocheck ## a managed instance in a QEMU VM: every promise checked, PASS or FAIL with evidence (docs/demo.md)
	$(GO) run ./cmd/moat-demo

bench: deps $(VMEXEC) ## overhead and throughput as ratios to same-run baselines: table, out/bench/report.json, docs/benchmarks.md
	$(GO) run ./cmd/moat-bench -vmexec $(CURDIR)/$(VMEXEC)

test: deps lint generate-check unit vmtest ## the whole suite: lint, generated files, host tests, VM tests
