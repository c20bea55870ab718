package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxResponse bounds an answer: moatd's are a few hundred bytes.
const maxResponse = 1 << 20

// response is a parsed HTTP answer.
type response struct {
	code   int    // 200
	status string // "200 OK"
	body   []byte
}

// ok is a 2xx.
func (r response) ok() bool { return r.code >= 200 && r.code < 300 }

// roundTrip sends one HTTP/1.0 request over a new connection to the
// socket and reads the answer to the end of the connection.
func roundTrip(ctx context.Context, socket, method, path, contentType string, body []byte) (response, error) {
	conn, err := dial(ctx, socket)
	if err != nil {
		return response{}, err
	}
	defer conn.Close()
	if _, err := conn.Write(request(method, path, contentType, body)); err != nil {
		return response{}, fmt.Errorf("send %s %s: %w", method, path, ctxErr(ctx, err))
	}
	raw, err := io.ReadAll(io.LimitReader(conn, maxResponse+1))
	if err != nil {
		return response{}, fmt.Errorf("read answer to %s %s: %w", method, path, ctxErr(ctx, err))
	}
	if len(raw) > maxResponse {
		return response{}, fmt.Errorf("answer to %s %s is larger than %d bytes", method, path, maxResponse)
	}
	return parseResponse(raw)
}

// request is an HTTP/1.0 request: the server closes the connection after
// its answer and never chunks it.
func request(method, path, contentType string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.0\r\nHost: moatd\r\n", method, path)
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %d\r\n", contentType, len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// parseResponse reads a whole HTTP/1.x answer: status line, headers and a
// body that ends with the data or at Content-Length.
func parseResponse(raw []byte) (response, error) {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return response{}, fmt.Errorf("malformed HTTP answer: no end of headers in %q", truncate(raw))
	}
	lines := strings.Split(string(head), "\r\n")
	r, err := parseStatus(lines[0])
	if err != nil {
		return r, err
	}
	for _, line := range lines[1:] {
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > len(body) {
				return r, fmt.Errorf("malformed HTTP answer: Content-Length %q with %d bytes of body", value, len(body))
			}
			body = body[:n]
		case "transfer-encoding":
			return r, fmt.Errorf("malformed HTTP answer: Transfer-Encoding %q to an HTTP/1.0 request", value)
		}
	}
	r.body = body
	return r, nil
}

// parseStatus reads "HTTP/1.1 200 OK".
func parseStatus(line string) (response, error) {
	proto, status, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(status, " ")
	n, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/1.") || err != nil || len(code) != 3 {
		return response{}, fmt.Errorf("malformed HTTP status line %q", truncate([]byte(line)))
	}
	return response{code: n, status: status}, nil
}

func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// ctxErr names the context's error when it ended the exchange. The
// socket's deadline, which is the context's, may pass a moment before the
// context's own timer fires.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), err)
	}
	if _, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) {
		return errors.Join(context.DeadlineExceeded, err)
	}
	return err
}
