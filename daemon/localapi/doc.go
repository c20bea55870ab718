// Package localapi is moatd's local API: the unix-socket HTTP JSON
// protocol through which the containerd integrations (runtime wrapper, NRI
// plugin) ask for admission and register containers, and through which the
// moat CLI reads status. It holds the wire types, a client and a server
// handler over a Backend; moatd implements the Backend.
//
// Endpoints (all JSON):
//
//	POST   /v1/admit                 AdmitRequest -> AdmitResponse
//	POST   /v1/containers            Container -> 204 (register, after runc create)
//	DELETE /v1/containers/{id}       -> 204 (unregister, on delete)
//
// A refused container is a 200 with Allowed false and a Reason; a 4xx means
// the request itself was bad, a 5xx that moatd could not decide. Callers
// fail closed on anything but an explicit allow.
package localapi
