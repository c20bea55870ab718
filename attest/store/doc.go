// Package store keeps the attestation server's state: enrolment tokens,
// enrolled instances with their public keys, nonces, and the reports
// themselves. It runs on SQLite (modernc.org/sqlite) in a file by
// default, or on PostgreSQL (pgx) when the DSN is a postgres:// URL; both
// share the migrations under migrations/.
//
// Every state change that the server relies on for freshness (consuming a
// nonce, raising the last sequence, inserting the reports) happens in one
// transaction, so several server replicas may share one PostgreSQL. A
// call that returns nil has committed: the reports are durable.
//
// Writes go through group commit (group.go): the ops of concurrent
// requests, gathered for 1 ms from the first, are loaded, decided in Go
// and applied in one transaction, and answered after its one commit. A
// refused op writes nothing and does not disturb the others of its
// group; a group that fails as a whole is run again one op per
// transaction.
//
// Durability, SQLite: WAL with synchronous=FULL. In WAL mode NORMAL
// writes the log at commit but fsyncs it only at checkpoints, so a power
// cut may take back transactions that were already answered: a 200 for
// a report that is then lost, which the reporter has deleted from its
// spool. FULL fsyncs the log at every commit; group commit makes that one
// fsync for a whole group, which is where the throughput comes from.
// Readers use their own connections (WAL lets them run beside the one
// writer), so that reads never queue behind a group's fsync.
//
// Durability, PostgreSQL: a commit returns once PostgreSQL says it is
// durable (synchronous_commit as the server is configured; the default
// flushes the WAL). Each group is two round trips whatever its size:
// one pipelined batch that begins the transaction and loads and locks
// its rows, and one of set-based writes that ends with COMMIT.
package store
