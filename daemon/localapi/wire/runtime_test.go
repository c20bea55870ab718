package wire

import (
	"slices"
	"strings"
	"testing"
)

func TestRuntimeCallRoundTrip(t *testing.T) {
	in := RuntimeCall{Dir: "/run/b", Args: []string{"--root", "/r", "create", "", "c 1"}}
	b, err := in.MarshalBinary()
	if err != nil || string(b) != "/run/b\x00--root\x00/r\x00create\x00\x00c 1\x00" {
		t.Fatalf("encoded %q, %v", b, err)
	}
	var out RuntimeCall
	if err := out.UnmarshalBinary(b); err != nil || out.Dir != in.Dir || !slices.Equal(out.Args, in.Args) {
		t.Fatalf("decoded %+v, %v", out, err)
	}
	if _, err := (RuntimeCall{Dir: "/", Args: []string{"a\x00b"}}).MarshalBinary(); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("an argument with a NUL: %v", err)
	}
	for body, want := range map[string]string{"": "absolute", "rel\x00": "absolute", "/x\x00create": "NUL terminator"} {
		if err := new(RuntimeCall).UnmarshalBinary([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("body %q: %v, want %q", body, err, want)
		}
	}
}

func TestRuntimeAnswerRoundTrip(t *testing.T) {
	in := RuntimeAnswer{ID: "c1", Extra: []string{"--pid-file", "/b/moat-init.pid"}}
	b, _ := in.MarshalBinary()
	var out RuntimeAnswer
	if err := out.UnmarshalBinary(b); err != nil || out.ID != "c1" || !slices.Equal(out.Extra, in.Extra) {
		t.Fatalf("decoded %+v, %v", out, err)
	}
	if err := out.UnmarshalBinary([]byte("\x00")); err == nil {
		t.Error("an answer without an id decoded")
	}
}
