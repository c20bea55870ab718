// Package moatd holds the VM test of the whole moatd binary: it needs a
// kernel of its own, since it loads moat's SELinux policy and BPF rules.
package moatd
