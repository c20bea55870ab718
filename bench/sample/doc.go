// Package sample is the wire between make bench's measuring code (in the
// VM, in Go benchmarks) and its driver: each figure is one line of
// standard output, Prefix, a kind and JSON. Emit writes a line; Parse
// reads them back from a whole output and ignores every other line.
package sample
