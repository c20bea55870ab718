// Package server is moat-attestd: the attestation API server. It enrols
// instances with one-time tokens, hands out nonces, verifies and stores
// signed reports (one or a batch), and shows the fleet's compliance, its
// history and a summary, with Prometheus metrics and its OpenAPI document
// served at /openapi.yaml.
//
// The server holds no state of its own: tokens, nonces, sequences and
// reports live in the store, so replicas may share one PostgreSQL. A
// refused submission (4xx with a Refusal naming the reason) stores
// nothing; an acknowledged one (200) has been committed.
//
// The submission path costs little beside verification: an instance's
// parsed key is cached after its first submission (the store refuses a
// report verified with a key the instance no longer has, and the
// submission is then judged again on the stored key), the nonce is only
// read on its own when a submission is refused, and one submission per
// core verifies at a time so that the store's group committer is not
// starved by hundreds of busy requests.
package server
