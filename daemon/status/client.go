package status

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
)

// Client reads moatd's status socket.
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
	return &Client{socket: path, http: &http.Client{Transport: &http.Transport{DialContext: dial}}}
}

// Status fetches the current status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	resp, err := c.get(ctx, "/v1/status")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// Events calls fn with each audit record, as raw JSON, until ctx ends or
// moatd closes the stream.
func (c *Client) Events(ctx context.Context, fn func(raw []byte) error) error {
	resp, err := c.get(ctx, "/v1/events")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if err := fn(sc.Bytes()); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}

// Reload asks moatd to reload its configuration file.
func (c *Client) Reload(ctx context.Context) error { return c.post(ctx, "/v1/reload") }

// Drain asks moatd to drain the instance now.
func (c *Client) Drain(ctx context.Context) error { return c.post(ctx, "/v1/drain") }

func (c *Client) post(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://moatd"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("moatd status socket %s: %w (is moatd running?)", c.socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("moatd: %s: %s %s", path, resp.Status, e.Error)
	}
	return nil
}

func (c *Client) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://moatd"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("moatd status socket %s: %w (is moatd running?)", c.socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("moatd: GET %s: %s", path, resp.Status)
	}
	return resp, nil
}
