package localapi

import "github.com/moat-sh/moat/daemon/localapi/wire"

// DefaultSocket is where moatd serves the local API.
const DefaultSocket = wire.DefaultSocket

// The API's types live in package wire, which the runtime wrapper's
// client shares without linking net.
type (
	AdmitRequest  = wire.AdmitRequest
	AdmitResponse = wire.AdmitResponse
	Container     = wire.Container
	Error         = wire.Error
)
