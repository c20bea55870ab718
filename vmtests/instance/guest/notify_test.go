package guest

import (
	"reflect"
	"testing"
)

func TestParseNotify(t *testing.T) {
	tests := []struct {
		in      string
		want    Notify
		wantErr bool
	}{
		{in: "READY=1", want: Notify{Ready: true}},
		{in: "READY=1\nSTATUS=serving on /run/moat.sock\n", want: Notify{Ready: true, Status: "serving on /run/moat.sock"}},
		{in: "WATCHDOG=1", want: Notify{Watchdog: true}},
		{in: "WATCHDOG=trigger", want: Notify{WatchdogTrigger: true}},
		{in: "STOPPING=1", want: Notify{Stopping: true}},
		{in: "RELOADING=1\nMONOTONIC_USEC=123", want: Notify{Reloading: true, Unknown: []string{"MONOTONIC_USEC"}}},
		{in: "MAINPID=42", want: Notify{MainPID: 42}},
		{in: "STATUS=a=b", want: Notify{Status: "a=b"}},
		{in: "ERRNO=5", want: Notify{Errno: 5}},
		{in: "", want: Notify{}},
		{in: "READY=0", wantErr: true},
		{in: "READY", wantErr: true},
		{in: "MAINPID=-1", wantErr: true},
		{in: "WATCHDOG=yes", wantErr: true},
		{in: "ERRNO=x", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseNotify([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseNotify(%q) err %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseNotify(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
