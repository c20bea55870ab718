package lifecycle

import (
	"testing"
	"time"
)

func TestStopTimeout(t *testing.T) {
	def := 30 * time.Second
	tests := []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"", def, false},
		{"  ", def, false},
		{"45", 45 * time.Second, false},
		{"0", 0, false},
		{"45s", 45 * time.Second, false},
		{"2m", 2 * time.Minute, false},
		{"1500ms", 1500 * time.Millisecond, false},
		{"120", MaxStopTimeout, false},
		{"121", MaxStopTimeout, true},
		{"10m", MaxStopTimeout, true},
		{"99999999999", MaxStopTimeout, true},
		{"-5", def, true},
		{"-5s", def, true},
		{"soon", def, true},
		{"4.5", def, true},
		{"1d", def, true},
	}
	for _, tt := range tests {
		got, err := StopTimeout(tt.value, def)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("StopTimeout(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestLabelStopTimeout(t *testing.T) {
	got, err := LabelStopTimeout(map[string]string{StopTimeoutLabel: "90", "other": "1"}, time.Second)
	if err != nil || got != 90*time.Second {
		t.Errorf("with label: %v, %v", got, err)
	}
	got, err = LabelStopTimeout(nil, 7*time.Second)
	if err != nil || got != 7*time.Second {
		t.Errorf("without labels: %v, %v", got, err)
	}
}
