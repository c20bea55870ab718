// Package attest makes, signs, sends and checks moat's attestations: the
// lifetime, patch and enforcement claims of an instance as an in-toto
// Statement in a DSSE envelope signed by the instance key, the reporter
// with its durable spool, and the attestation API server with its stores
// and compliance rules.
package attest
