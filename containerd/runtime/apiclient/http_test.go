package apiclient

import (
	"strings"
	"testing"
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name, raw string
		code      int
		body      string
		err       string
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: application/json\r\n\r\n{}\n\nextra", 200, "{}\n\n", ""},
		{"to the end", "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{\"error\":\"x\"}\n", 400, "{\"error\":\"x\"}\n", ""},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", 204, "", ""},
		{"lower-case header", "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}", 200, "{}", ""},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", 0, "", "Content-Length \"10\" with 2 bytes"},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}", 0, "", "Content-Length \"-1\""},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 0, "", "Transfer-Encoding \"chunked\""},
		{"cut off", "HTTP/1.1 200 OK\r\nContent-Le", 0, "", "no end of headers"},
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", 0, "", "malformed HTTP status line"},
		{"bad code", "HTTP/1.1 2000 OK\r\n\r\n", 0, "", "malformed HTTP status line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseResponse([]byte(tt.raw))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || r.code != tt.code || string(r.body) != tt.body {
				t.Errorf("got %d %q, %v; want %d %q", r.code, r.body, err, tt.code, tt.body)
			}
		})
	}
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name, method, path, body, want string
	}{
		{"with body", "POST", "/v1/runtime/create", "/\x00c1\x00",
			"POST /v1/runtime/create HTTP/1.0\r\nHost: moatd\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n/\x00c1\x00"},
		{"without", "DELETE", "/v1/containers/c1?namespace=ns", "",
			"DELETE /v1/containers/c1?namespace=ns HTTP/1.0\r\nHost: moatd\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			if got := string(request(tt.method, tt.path, "application/octet-stream", body)); got != tt.want {
				t.Errorf("request %q, want %q", got, tt.want)
			}
		})
	}
}
