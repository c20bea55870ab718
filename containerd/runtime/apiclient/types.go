package apiclient

import "github.com/moat-sh/moat/daemon/localapi/wire"

// DefaultSocket is where moatd serves the local API.
const DefaultSocket = wire.DefaultSocket

// The local API's types (package wire, shared with the server).
type (
	RuntimeCall   = wire.RuntimeCall
	RuntimeAnswer = wire.RuntimeAnswer
)
