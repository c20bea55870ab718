package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/moat-sh/moat/daemon/localapi/wire"
)

// Client talks to moatd over its unix socket, one connection per call.
type Client struct {
	socket string
}

// New returns a client for the socket at path.
func New(path string) *Client {
	return &Client{socket: path}
}

// Admit asks for admission. Any error means the container must not start.
func (c *Client) Admit(ctx context.Context, req AdmitRawRequest) (AdmitResponse, error) {
	var resp AdmitResponse
	err := c.do(ctx, "POST", "/v1/admit", req, &resp)
	return resp, err
}

// Register tells moatd about a created container.
func (c *Client) Register(ctx context.Context, ctr Container) error {
	return c.do(ctx, "POST", "/v1/containers", ctr, nil)
}

// Unregister tells moatd that a container is gone.
func (c *Client) Unregister(ctx context.Context, namespace, id string) error {
	path := "/v1/containers/" + url.PathEscape(id) + "?namespace=" + url.QueryEscape(namespace)
	return c.do(ctx, "DELETE", path, nil, nil)
}

// do makes one call: in (if not nil) is the JSON body, out (if not nil)
// receives the JSON answer.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("moatd: %s %s: encode request: %w", method, path, err)
		}
		body = b
	}
	resp, err := roundTrip(ctx, c.socket, method, path, body)
	if err != nil {
		return fmt.Errorf("moatd at %s: %w (is moatd running?)", c.socket, err)
	}
	if resp.code < 200 || resp.code >= 300 {
		var e wire.Error
		json.Unmarshal(resp.body, &e)
		return fmt.Errorf("moatd: %s %s: %s: %s", method, path, resp.status, e.Error)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("moatd: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}
