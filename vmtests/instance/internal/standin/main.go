// Command standin plays a service in the instance tests: it records each
// start, can wait before READY=1, ping the watchdog for a while, and check
// that a file its dependency writes exists when it starts.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

func main() {
	starts := flag.String("starts", "", "append this process's pid here at start")
	readyAfter := flag.Duration("ready-after", 0, "wait this long, then send READY=1")
	readyFile := flag.String("ready-file", "", "write this file just before READY=1")
	require := flag.String("require", "", "a file that must exist at start")
	gate := flag.String("gate", "", "write ok or missing (for -require) here")
	stopFile := flag.String("stop-pinging", "", "stop the watchdog pings once this file exists")
	fetch := flag.String("fetch", "", "GET this URL, print the body and exit (1 on failure)")
	flag.Parse()
	if *fetch != "" {
		os.Exit(get(*fetch))
	}
	if *starts != "" {
		appendLine(*starts, fmt.Sprint(os.Getpid()))
	}
	if *require != "" {
		result := "ok"
		if _, err := os.Stat(*require); err != nil {
			result = "missing"
		}
		os.WriteFile(*gate, []byte(result+"\n"), 0o644)
	}
	time.Sleep(*readyAfter)
	if *readyFile != "" {
		os.WriteFile(*readyFile, []byte("ready\n"), 0o644)
	}
	daemon.SdNotify(false, daemon.SdNotifyReady+"\nSTATUS=standing in")
	go watchdog(*stopFile)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	daemon.SdNotify(false, daemon.SdNotifyStopping)
}

func watchdog(stopFile string) {
	every, err := daemon.SdWatchdogEnabled(false)
	if err != nil || every == 0 {
		return
	}
	for {
		if _, err := os.Stat(stopFile); stopFile != "" && err == nil {
			fmt.Println("standin: no more watchdog pings")
			return
		}
		daemon.SdNotify(false, daemon.SdNotifyWatchdog)
		time.Sleep(every / 4)
	}
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

// get fetches a URL with a short timeout: the scenario's HTTP client
// (busybox-static's wget crashes resolving through glibc's NSS).
func get(url string) int {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, resp.Status)
		return 1
	}
	return 0
}
