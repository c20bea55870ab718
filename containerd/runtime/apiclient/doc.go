// Package apiclient is the runtime wrapper's client of moatd's local API
// (package daemon/localapi): the runtime's two calls around runc create
// (RuntimeCreate, RuntimeCreated) and Unregister, over moatd's unix
// socket, with the wire types that the server uses.
//
// It exists for start-up time. The wrapper runs on the runc calls that
// the front, moat-runc, hands it, and a binary that links net/http pays,
// on each of them, for the dynamic loader (the net package's cgo
// resolver makes it a dynamically linked executable) and for some 190
// package initialisers (crypto/tls, http2, ...). This
// client needs neither net nor net/http: it opens the socket with
// golang.org/x/sys/unix and speaks HTTP/1.0, whose answers are never
// chunked and end where the connection does, so one request and one
// bounded read make a call. A context's deadline and cancellation bound
// the whole exchange.
//
// A test runs the client against localapi.Handler.
package apiclient
