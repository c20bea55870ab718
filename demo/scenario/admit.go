package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// netScript adds a link in the task's own network namespace.
const netScript = "ip link add demo0 type veth peer name demo1 && ip -o link show demo0"

func (d *demo) caps() (string, error) {
	d.say("ctr run --cap-add CAP_NET_ADMIN busybox net-1 (the capacity provider allows no privileged capability)")
	out, err := ctr(runArgs("net-1", []string{"--rm", "--cap-add", "CAP_NET_ADMIN"}, "sh", "-c", netScript)...)
	if err == nil {
		return "", fmt.Errorf("net-1 with CAP_NET_ADMIN started without the opt-in: %q", out)
	}
	remove("net-1")
	refusal := err.Error()
	if !strings.Contains(refusal, "moat") {
		return "", fmt.Errorf("net-1 failed, but not by moat: %s", refusal)
	}
	d.say("the capacity provider opts in: capacityProvider.privilegedCapabilities: [CAP_NET_ADMIN], restart moatd")
	if err := editConfig(func(c map[string]any) {
		section(c, "capacityProvider")["privilegedCapabilities"] = []string{"CAP_NET_ADMIN"}
	}); err != nil {
		return "", fmt.Errorf("refused as it should (%s), but the opt-in failed: %w", refusal, err)
	}
	d.say("ctr run --cap-add CAP_NET_ADMIN busybox net-2 sh -c '%s'", netScript)
	out, err = ctr(runArgs("net-2", []string{"--rm", "--cap-add", "CAP_NET_ADMIN"}, "sh", "-c", netScript)...)
	remove("net-2")
	if err != nil {
		return "", fmt.Errorf("refused as it should (%s), but still refused after the opt-in: %w", refusal, err)
	}
	return fmt.Sprintf("before: %s; after the opt-in: %s", refusal, out), nil
}

// mcs runs two tasks over one shared folder: the first writes a file,
// the second, with other MCS categories, must not read it.
func (d *demo) mcs() (string, error) {
	shared := demoDir + "/shared"
	if err := os.MkdirAll(shared, 0o777); err != nil {
		return "", err
	}
	os.Chmod(shared, 0o777)
	mount := []string{"--rm", "--mount", "type=bind,src=" + shared + ",dst=/shared,options=rbind:rw"}
	d.say("task mcs-a writes /shared/a.txt")
	a, err := ctr(runArgs("mcs-a", mount, "sh", "-c", "cat /proc/self/attr/current; echo; echo secret-of-a > /shared/a.txt && cat /shared/a.txt")...)
	remove("mcs-a")
	if err != nil || !strings.Contains(a, "secret-of-a") {
		return "", fmt.Errorf("task mcs-a could not write and read its own file: %v %q", err, a)
	}
	d.say("task mcs-b reads /shared/a.txt")
	b, err := ctr(runArgs("mcs-b", mount, "sh", "-c", "cat /proc/self/attr/current; echo; cat /shared/a.txt")...)
	remove("mcs-b")
	labelA, labelB := firstLine(a), firstLine(b)
	switch {
	case strings.Contains(b, "secret-of-a"):
		return "", fmt.Errorf("task mcs-b (%s) read mcs-a's (%s) file: %q", labelB, labelA, b)
	case labelA == labelB:
		return "", fmt.Errorf("both tasks run as %q: no MCS separation (%v %q)", labelA, err, b)
	case err == nil || !strings.Contains(b, "denied"):
		return "", fmt.Errorf("task mcs-b failed to read, but not by a denial: %v %q", err, b)
	}
	return fmt.Sprintf("mcs-a runs as %s and wrote its file; mcs-b runs as %s and got: %s", labelA, labelB, lastLine(b)), nil
}

// single switches the instance to single-task placement while web-1 runs.
func (d *demo) single() (string, error) {
	if s := taskStatus(webTask); s != "RUNNING" {
		return "", fmt.Errorf("%s is %q, not running: no first task to stand beside", webTask, s)
	}
	d.say("capacityProvider.taskPlacement: single, restart moatd; %s runs", webTask)
	if err := editConfig(func(c map[string]any) { section(c, "capacityProvider")["taskPlacement"] = "single" }); err != nil {
		return "", err
	}
	time.Sleep(time.Second) // the mcs tasks' exits reach the placement state
	d.say("ctr run -d busybox web-2 (a second task)")
	out, err := ctr(runArgs("web-2", []string{"-d"}, "sleep", "60")...)
	if err == nil {
		remove("web-2")
		return "", fmt.Errorf("web-2 started beside %s under single-task placement: %q", webTask, out)
	}
	remove("web-2")
	if !strings.Contains(err.Error(), "moat") {
		return "", fmt.Errorf("web-2 failed, but not by moat: %w", err)
	}
	if s := taskStatus(webTask); s != "RUNNING" {
		return "", fmt.Errorf("web-2 refused, but %s is %q", webTask, s)
	}
	return "web-2: " + err.Error(), nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.Trim(l, " \x00")
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(l[len(l)-1])
}
