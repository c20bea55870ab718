// Package store keeps the attestation server's state: enrolment tokens,
// enrolled instances with their public keys, nonces, and the reports
// themselves. It runs on SQLite (modernc.org/sqlite, WAL, synchronous=FULL,
// one write transaction per submission) in a file by default, or on
// PostgreSQL (pgx) when the DSN is a postgres:// URL; both share the
// migrations under migrations/.
//
// Every state change that the server relies on for freshness (consuming a
// nonce, raising the last sequence, inserting the reports) happens in one
// transaction, guarded in SQL, so several server replicas may share one
// PostgreSQL. A call that returns nil has committed: the reports are
// durable.
package store
