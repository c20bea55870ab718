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

func TestParseMapInfo(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       MapInfo
		ok, bad    bool
	}{
		{"map", "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nmap_type:\t1\nkey_size:\t8\nvalue_size:\t4\nmax_entries:\t1024\nmap_flags:\t0x1\nmap_extra:\t0x0\nmemlock:\t86016\nmap_id:\t17\nfrozen:\t0\n",
			MapInfo{ID: 17, Memlock: 86016}, true, false},
		{"file", "pos:\t0\nflags:\t0100000\nmnt_id:\t22\nino:\t4\n", MapInfo{}, false, false},
		{"prog", "pos:\t0\nprog_type:\t29\nprog_jited:\t1\nmemlock:\t4096\nprog_id:\t3\n", MapInfo{}, false, false},
		{"no memlock", "map_type:\t2\nmap_id:\t3\n", MapInfo{ID: 3}, true, true},
	} {
		got, ok, err := ParseMapInfo(tc.text)
		if ok != tc.ok || (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%s: ParseMapInfo = %+v, %v, %v; want %+v, %v, error %v", tc.name, got, ok, err, tc.want, tc.ok, tc.bad)
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
