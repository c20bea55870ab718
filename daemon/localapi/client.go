package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Client talks to moatd over its unix socket.
type Client struct {
	socket string
	http   *http.Client
}

// NewClient returns a client for the socket at path.
func NewClient(path string) *Client {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}
	return &Client{socket: path, http: &http.Client{
		Transport: &http.Transport{DialContext: dial},
		Timeout:   30 * time.Second,
	}}
}

// Admit asks for admission. Any error means the container must not start.
func (c *Client) Admit(ctx context.Context, req AdmitRequest) (AdmitResponse, error) {
	var resp AdmitResponse
	err := c.do(ctx, http.MethodPost, "/v1/admit", req, &resp)
	return resp, err
}

// Register tells moatd about a created container.
func (c *Client) Register(ctx context.Context, ctr Container) error {
	return c.do(ctx, http.MethodPost, "/v1/containers", ctr, nil)
}

// Unregister tells moatd that a container is gone.
func (c *Client) Unregister(ctx context.Context, namespace, id string) error {
	path := "/v1/containers/" + url.PathEscape(id) + "?namespace=" + url.QueryEscape(namespace)
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://moatd"+path, body)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("moatd at %s: %w (is moatd running?)", c.socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e Error
		json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		return fmt.Errorf("moatd: %s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
