// Package demo is `make demo`: on the host it builds moat's binaries,
// starts moat-attestd on the loopback (SQLite in a temporary folder),
// creates an enrolment token for the demo instance, builds the instance
// image (vmtests/instance) with demo/config.yaml, boots it and streams the
// scenario (demo/scenario) that runs inside and prints one result line per
// promise (demo/result). Run returns every result, the driver's own check
// of the attestation server included, and the caller prints the summary
// and exits non-zero when any failed. Everything it starts it stops, and
// its temporary folder is removed unless Options.Keep is set.
package demo
