package apiclient

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// conn is a connected unix stream socket whose deadlines follow a context.
type conn struct {
	*os.File
	stop func() bool // stops the context's cancellation
}

// dial connects to the unix socket at path. The context's deadline bounds
// connect, and both its deadline and its cancellation bound every read
// and write on the connection.
func dial(ctx context.Context, path string) (*conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dial %s: %w", path, err)
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dial %s: socket: %w", path, err)
	}
	if err := connect(ctx, fd, path); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("dial %s: %w", path, err)
	}
	// Non-blocking, the descriptor joins Go's poller, so deadlines work.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("dial %s: %w", path, err)
	}
	c := &conn{File: os.NewFile(uintptr(fd), path), stop: func() bool { return false }}
	if d, ok := ctx.Deadline(); ok {
		if err := c.SetDeadline(d); err != nil {
			c.Close()
			return nil, fmt.Errorf("dial %s: %w", path, err)
		}
	}
	c.stop = context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	return c, nil
}

// connect connects the blocking socket fd; a full backlog makes connect
// wait, which SO_SNDTIMEO bounds by the context's deadline.
func connect(ctx context.Context, fd int, path string) error {
	if d, ok := ctx.Deadline(); ok {
		tv := unix.NsecToTimeval(max(time.Until(d), time.Millisecond).Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
			return fmt.Errorf("set connect timeout: %w", err)
		}
	}
	for {
		err := unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			return err
		}
	}
}

// Close stops following the context and closes the socket.
func (c *conn) Close() error {
	c.stop()
	return c.File.Close()
}
