package bpf

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleEvent() moatEvent {
	m := moatEvent{
		TimeNs: 5_000_000_000, CgroupId: 4242, TargetIno: 77, Arg: 12, TargetDev: 259<<20 | 1,
		TargetPid: 0, Rule: RuleCapability, Hook: moatHookHOOK_CAPABLE, Action: ActionDenied,
		Pid: 1001, Tgid: 1000, Uid: 0,
	}
	for i, c := range "ip" {
		m.Comm[i] = int8(c)
	}
	for i, c := range "f" {
		m.Name[i] = int8(c)
	}
	return m
}

// TestEventWireFormat pins the event's bytes (the kernel writes them) in
// testdata/event.hex and decodes them.
func TestEventWireFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, sampleEvent()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "event.hex")
	if *update {
		os.WriteFile(golden, []byte(hex.Dump(buf.Bytes())), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./bpf -update writes it)", err)
	}
	if got := hex.Dump(buf.Bytes()); got != string(want) {
		t.Errorf("event layout changed:\n%s\nwant\n%s", got, want)
	}
	now := time.Unix(1_000_000, 0)
	e, err := decodeEvent(buf.Bytes(), 6_000_000_000, now)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Time.Equal(now.Add(-time.Second)) || e.Comm != "ip" || e.Name != "f" || e.Arg != 12 ||
		e.Rule != RuleCapability || e.Action != ActionDenied || e.PID != 1001 || e.TGID != 1000 || e.CgroupID != 4242 {
		t.Errorf("decoded %+v", e)
	}
	if s := e.Rule.String() + "/" + e.Hook.String() + "/" + e.Action.String(); s != "capability/capable/denied" {
		t.Errorf("names: %s", s)
	}
}

func TestDecodeShortEvent(t *testing.T) {
	_, err := decodeEvent(make([]byte, 10), 0, time.Now())
	if err == nil || !strings.Contains(err.Error(), "10 bytes") {
		t.Errorf("short event: %v, want an error naming its size", err)
	}
}
