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

func TestCPUTicks(t *testing.T) {
	for _, tc := range []struct {
		stat string
		want uint64
		bad  bool
	}{
		{"412 (moatd) S 1 412 412 0 -1 4194560 2873 0 0 0 37 15 0 0 20 0 9 0 351 1292288000 6128", 52, false},
		{"7 (a b) c) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 1 1", 11, false},
		{"412 moatd S 1", 0, true},
		{"412 (moatd) S 1 412", 0, true},
		{"412 (moatd) S 1 412 412 0 -1 4194560 2873 0 0 0 x 15 0", 0, true},
	} {
		got, err := CPUTicks(tc.stat)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("CPUTicks(%q) = %d, %v; want %d, error %v", tc.stat, got, err, tc.want, tc.bad)
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
		ticks  uint64
		window float64
		want   float64
	}{
		{0, 60, 0},
		{6, 60, 1},     // 60 ms over 60 s
		{100, 10, 100}, // 1 s over 10 s
	} {
		if got := Millicores(tc.ticks, tc.window); got != tc.want {
			t.Errorf("Millicores(%d, %v) = %v, want %v", tc.ticks, tc.window, got, tc.want)
		}
	}
}
