// Package attest makes, signs, sends and checks moat's attestations: the
// lifetime, patch and enforcement claims of an instance as an in-toto
// Statement (predicate type PredicateType) in a DSSE envelope signed by
// the instance key, the reporter with its durable spool, and the pure
// compliance rules. The server lives in attest/server, its stores in
// attest/store; docs/attestation.md describes the format.
//
// What the daemon calls:
//
//	key, err := attest.LoadOrCreateKey(stateDir) // Ed25519; ECDSA P-256 in FIPS mode
//	rep, err := attest.NewReporter(attest.ReporterConfig{
//		Server: url, CAFile: ca, StateDir: stateDir, InstanceID: id,
//		Collect: func(ctx context.Context) (attest.Claims, error) { ... },
//		OnDrain: func(reason string, why []string) { ... },
//		Packages: func(context.Context) ([]string, error) { l, _, err := attest.Host{}.Packages(); return l, err },
//		Registerer: reg, Log: log,
//	}, key)
//	if !rep.Enrolled() {
//		err = rep.Enrol(ctx, token)  // once, with `moat-attestd token create`
//	}
//	go rep.Run(ctx)                      // start, every Interval, and on Trigger
//	rep.Trigger(attest.TriggerDrain)     // or TriggerSettings, TriggerEnforcement
//	err = rep.Flush(ctx)                 // after Run returned, before the instance stops
//
// The claims are plain structs (Claims: Lifetime, Patch, Enforcement)
// that the daemon fills; Host collects what the machine itself tells
// (KernelRelease, Uptime from CLOCK_BOOTTIME, Host.BootID,
// Host.OSRelease, Host.Packages, Host.RootFS, Host.Patch, Host.SELinux,
// Host.Lockdown).
//
// Contract: a report is numbered by a sequence that only grows and is
// written to the spool (fsync'd) before Report returns; it leaves the
// spool only when the server has acknowledged it (the server stores it
// durably first) or when the server refuses it for good, in which case it
// is kept in the spool's rejected/ folder with a log line and a metric. A
// full spool refuses new reports with ErrSpoolFull, loudly. A report sent
// twice (the acknowledgement was lost) is recognised by the server by
// sequence and digest and stored once. Reports are signed at send time
// under a fresh server nonce, so a spool that outlived an outage is
// still accepted.
//
// Sign and Verify are the two ends of the wire format. Sign builds the
// statement with the in-toto library; Verify decodes it in one pass of
// encoding/json/v2 (github.com/go-json-experiment/json, the module that
// Go 1.27's encoding/json/v2 comes from) into the statement as moat signs
// it, and refuses all that the in-toto library's parser refused
// (parse_test.go keeps that parser as the reference). Evaluate and
// Vulnerabilities are the compliance rules, pure functions of their
// inputs.
package attest
