package apiclient

import (
	"context"
	"encoding/json"
	"errors"
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

// RuntimeCreate asks moatd to admit a runc create (Runtime.Create in
// package containerd/backend). Any error means runc must not run.
func (c *Client) RuntimeCreate(ctx context.Context, call RuntimeCall) (RuntimeAnswer, error) {
	var ans RuntimeAnswer
	body, err := c.call(ctx, "/v1/runtime/create", call)
	if err == nil {
		err = ans.UnmarshalBinary(body)
	}
	return ans, err
}

// RuntimeCreated asks moatd to register the container that runc created.
func (c *Client) RuntimeCreated(ctx context.Context, call RuntimeCall) error {
	_, err := c.call(ctx, "/v1/runtime/created", call)
	return err
}

// call posts a runtime call; an answer that is not a 2xx is an error
// with moatd's message, which is plain text.
func (c *Client) call(ctx context.Context, path string, call RuntimeCall) ([]byte, error) {
	body, err := call.MarshalBinary()
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, "POST", path, "application/octet-stream", body)
	if err != nil {
		return nil, err
	}
	if !resp.ok() {
		return nil, errors.New(string(resp.body))
	}
	return resp.body, nil
}

// Unregister tells moatd that a container is gone.
func (c *Client) Unregister(ctx context.Context, namespace, id string) error {
	path := "/v1/containers/" + url.PathEscape(id) + "?namespace=" + url.QueryEscape(namespace)
	resp, err := c.send(ctx, "DELETE", path, "", nil)
	if err != nil || resp.ok() {
		return err
	}
	var e wire.Error
	json.Unmarshal(resp.body, &e)
	return fmt.Errorf("moatd: DELETE %s: %s: %s", path, resp.status, e.Error)
}

// send makes one exchange with moatd.
func (c *Client) send(ctx context.Context, method, path, contentType string, body []byte) (response, error) {
	resp, err := roundTrip(ctx, c.socket, method, path, contentType, body)
	if err != nil {
		return resp, &NoAnswerError{Socket: c.socket, Err: err}
	}
	return resp, nil
}

// NoAnswerError is a call that moatd did not answer.
type NoAnswerError struct {
	Socket string
	Err    error
}

func (e *NoAnswerError) Error() string {
	return fmt.Sprintf("moatd at %s: %v (is moatd running?)", e.Socket, e.Err)
}

func (e *NoAnswerError) Unwrap() error { return e.Err }
