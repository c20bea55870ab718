// Package status is the operators' view of an instance: the Status
// document and the audit Record that moatd serves on its status socket,
// the server handler and client for that socket, and the `moat` CLI
// (`moat status`, `moat events`).
//
// Endpoints on the status socket (default /run/moat/status.sock):
//
//	GET /v1/status   Status as JSON
//	GET /v1/events   audit records as JSON lines, followed until the client leaves
package status
