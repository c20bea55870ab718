package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// killed holds moatd down (SIGKILL, not restarted) and checks that the
// rules still hold: they live in the kernel, not in moatd.
func (d *demo) killed() (string, error) {
	webBefore := taskStatus(webTask)
	d.say("moat-supervise ctl kill moatd (held down)")
	if _, err := ctl("kill", "moatd"); err != nil {
		return "", err
	}
	time.Sleep(time.Second)
	state, _ := unitState("moatd")
	var ev []string
	var errs []error
	check := func(what string, err error, evidence string) {
		d.say("moatd is %s; %s", state, what)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			return
		}
		ev = append(ev, what+": "+evidence)
	}
	e, err := refused("/bin/sh", "-c", "echo host shell")
	check("host shell", err, e)
	err = unix.Mount("tmpfs", "/usr", "tmpfs", 0, "size=1m")
	if err == nil {
		unix.Unmount("/usr", unix.MNT_DETACH)
		check("mount over /usr", errors.New("mounted"), "")
	} else {
		check("mount over /usr", nil, err.Error())
	}
	f, err := os.OpenFile("/dev/vda", os.O_WRONLY, 0)
	if err == nil {
		f.Close()
		check("write /dev/vda", errors.New("opened for writing"), "")
	} else {
		check("write /dev/vda", nil, err.Error())
	}
	out, err := ctr(runArgs("orphan-1", []string{"--rm"}, "true")...)
	remove("orphan-1")
	if err == nil {
		check("new task", fmt.Errorf("started without moatd: %q", out), "")
	} else {
		check("new task", nil, err.Error())
	}
	webAfter := taskStatus(webTask)
	if webBefore == "RUNNING" && webAfter != "RUNNING" {
		errs = append(errs, fmt.Errorf("%s is %q, want it running on", webTask, webAfter))
	}
	d.say("moat-supervise ctl start moatd")
	if _, err := ctl("start", "moatd"); err != nil {
		errs = append(errs, err)
	} else if err := waitMoatd(90 * time.Second); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return fmt.Sprintf("moatd %s; %s; %s %s; moatd back", state, strings.Join(ev, "; "), webTask, strings.ToLower(webAfter)), nil
}
