// Package apiclient is the runtime wrapper's client of moatd's local API
// (package daemon/localapi): Admit, Register and Unregister over moatd's
// unix socket, with the same wire types and the same answers as
// localapi.Client.
//
// It exists for start-up time. containerd's runc shim runs the wrapper for
// every runc call (create, start, state, kill, delete, ...), and a binary
// that links net/http pays, on each of them, for the dynamic loader (the
// net package's cgo resolver makes it a dynamically linked executable)
// and for some 190 package initialisers (crypto/tls, http2, ...). This
// client needs neither net nor net/http: it opens the socket with
// golang.org/x/sys/unix and speaks HTTP/1.0, whose answers are never
// chunked and end where the connection does, so one request and one
// bounded read make a call. A context's deadline and cancellation bound
// the whole exchange.
//
// Its types mirror localapi's field for field; a test holds them equal,
// and another runs the client against localapi.Handler.
package apiclient
