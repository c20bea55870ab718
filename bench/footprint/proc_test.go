package footprint

import "testing"

const status = `Name:	moatd
Umask:	0022
VmPeak:	 1262024 kB
VmRSS:	   24512 kB
RssAnon:	   12000 kB
Threads:	9
`

func TestStatusKB(t *testing.T) {
	for _, tc := range []struct {
		text, name string
		want       uint64
		bad        bool
	}{
		{status, "VmRSS", 24512, false},
		{status, "RssAnon", 12000, false},
		{"Rss:  100 kB\nPss:   80 kB\n", "Pss", 80, false},
		{status, "VmSwap", 0, true},
		{"VmRSS: 12 MB\n", "VmRSS", 0, true},
		{"VmRSS: x kB\n", "VmRSS", 0, true},
	} {
		got, err := StatusKB(tc.text, tc.name)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("StatusKB(%q) = %d, %v; want %d, error %v", tc.name, got, err, tc.want, tc.bad)
		}
	}
}

func TestCgroupField(t *testing.T) {
	const cpuStat = "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\nnr_periods 0\n"
	for _, tc := range []struct {
		text, key string
		want      uint64
		bad       bool
	}{
		{cpuStat, "usage_usec", 123456, false},
		{cpuStat, "system_usec", 23456, false},
		{"anon 4096\nkernel 815104\nkernel_stack 65536\n", "kernel", 815104, false},
		{cpuStat, "usage", 0, true},
		{"usage_usec x\n", "usage_usec", 0, true},
	} {
		got, err := CgroupField(tc.text, tc.key)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("CgroupField(%q) = %d, %v; want %d, error %v", tc.key, got, err, tc.want, tc.bad)
		}
	}
}

func TestMillicores(t *testing.T) {
	for _, tc := range []struct {
		usec   uint64
		window float64
		want   float64
	}{
		{0, 60, 0},
		{60000, 60, 1},     // 60 ms over 60 s
		{1000000, 10, 100}, // 1 s over 10 s
	} {
		if got := Millicores(tc.usec, tc.window); got != tc.want {
			t.Errorf("Millicores(%d, %v) = %v, want %v", tc.usec, tc.window, got, tc.want)
		}
	}
}
