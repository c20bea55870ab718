// Package localapi is moatd's local API: the unix-socket HTTP JSON
// protocol through which the containerd integrations (runtime wrapper, NRI
// plugin) ask for admission and register containers, and through which the
// moat CLI reads status. It holds the wire types, a client and a server
// handler over a Backend; moatd implements the Backend.
//
// Endpoints, JSON (the NRI plugin's):
//
//	POST   /v1/admit                 AdmitRequest -> AdmitResponse
//	POST   /v1/containers            Container -> 204 (register, after runc create)
//	DELETE /v1/containers/{id}       -> 204 (unregister, on delete)
//
// A refused container is a 200 with Allowed false and a Reason; a 4xx means
// the request itself was bad, a 5xx that moatd could not decide. Callers
// fail closed on anything but an explicit allow.
//
// The runtime's, whose bodies are NUL-terminated strings (wire.RuntimeCall
// and wire.RuntimeAnswer), since the front that sends them is C:
//
//	POST   /v1/runtime/create        RuntimeCall -> 200 RuntimeAnswer
//	POST   /v1/runtime/created       RuntimeCall -> 204
//
// Their errors are plain text, the message the runtime shows: a 403 is
// a refusal, a 400 a bad request, a 500 a failure to decide.
package localapi
