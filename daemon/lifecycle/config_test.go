package lifecycle

import (
	"strings"
	"testing"
	"time"
)

func TestParseConfigGood(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(Settings) bool
	}{
		{"empty gives defaults", "", func(s Settings) bool {
			return s.DrainAfter == 14*Day && s.TerminateAfter == 21*Day && s.ExpectedDrain == 5*time.Minute &&
				s.VulnerableWithin == Day && s.StopTimeout == 30*time.Second && s.EndAction == EndPowerOff &&
				s.LaunchTime.IsZero() && len(s.Windows) == 0
		}},
		{"empty mapping", "{}", func(s Settings) bool { return s.DrainAfter == 14*Day }},
		{"null fields take defaults", "drainAfter:\nendAction:\n", func(s Settings) bool {
			return s.DrainAfter == 14*Day && s.EndAction == EndPowerOff
		}},
		{"everything set", `
launchTime: 2026-11-01T10:00:00+02:00
drainAfter: 7d
terminateAfter: 10d12h
expectedDrain: 10m
vulnerableWithin: 36h
stopTimeout: 2m
endAction: exit
maintenanceWindows:
  - {start: "sat 02:00", end: "sat 06:00"}
  - start: Saturday 23:00
    end: sun 01:00
  - {cron: "0 3 * * 2", duration: 4h}
`, func(s Settings) bool {
			return s.LaunchTime.Equal(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)) && s.LaunchTime.Location() == time.UTC &&
				s.DrainAfter == 7*Day && s.TerminateAfter == 10*Day+12*time.Hour && s.ExpectedDrain == 10*time.Minute &&
				s.VulnerableWithin == 36*time.Hour && s.StopTimeout == 2*time.Minute && s.EndAction == EndExit &&
				len(s.Windows) == 3 && s.Windows[1].Duration() == 2*time.Hour && s.Windows[2].Duration() == 4*time.Hour
		}},
		{"maximums are allowed", "drainAfter: 14d\nterminateAfter: 21d\nstopTimeout: 120s\nvulnerableWithin: 3d\nexpectedDrain: 1d", func(s Settings) bool {
			return s.DrainAfter == 14*Day && s.TerminateAfter == 21*Day && s.StopTimeout == MaxStopTimeout
		}},
		{"terminate equal to drain", "drainAfter: 10d\nterminateAfter: 10d", func(s Settings) bool {
			return s.TerminateAfter == s.DrainAfter
		}},
		{"zero waits", "vulnerableWithin: 0s\nstopTimeout: 0s\nexpectedDrain: 0s", func(s Settings) bool {
			return s.VulnerableWithin == 0 && s.StopTimeout == 0 && s.ExpectedDrain == 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseConfig([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if !tt.check(s) {
				t.Errorf("settings %+v do not match", s)
			}
		})
	}
}

func TestParseConfigBad(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every one must appear in the error
	}{
		{"unknown key", "drainafter: 3d", []string{"field drainafter not found"}},
		{"unknown window key", "maintenanceWindows:\n  - {start: sat 02:00, end: sat 04:00, zone: utc}", []string{"field zone not found"}},
		{"wrong type for a duration", "drainAfter: [1, 2]", []string{"lifecycle:", "cannot unmarshal"}},
		{"windows not a list", "maintenanceWindows: sat", []string{"lifecycle:", "cannot unmarshal"}},
		{"not a mapping", "- drainAfter", []string{"lifecycle:", "cannot unmarshal"}},
		{"drainAfter over the maximum", "drainAfter: 20d", []string{"lifecycle.drainAfter: 20d is more than the maximum 14d"}},
		{"drainAfter under the minimum", "drainAfter: 30m", []string{"lifecycle.drainAfter: 30m is less than the minimum 1h"}},
		{"drainAfter without unit", "drainAfter: 14", []string{"lifecycle.drainAfter:", "not a duration"}},
		{"drainAfter negative", "drainAfter: -3h", []string{"lifecycle.drainAfter:", "negative"}},
		{"drainAfter words", "drainAfter: two weeks", []string{"lifecycle.drainAfter:"}},
		{"terminateAfter over the maximum", "terminateAfter: 22d", []string{"lifecycle.terminateAfter: 22d is more than the maximum 21d"}},
		{"terminateAfter before drainAfter", "drainAfter: 10d\nterminateAfter: 9d", []string{"lifecycle.terminateAfter: 9d is less than drainAfter 10d"}},
		{"terminateAfter before default drainAfter", "terminateAfter: 13d", []string{"lifecycle.terminateAfter: 13d is less than drainAfter 14d"}},
		{"expectedDrain too long", "expectedDrain: 2d", []string{"lifecycle.expectedDrain: 2d is more than the maximum 1d"}},
		{"expectedDrain not below drainAfter", "drainAfter: 1h\nexpectedDrain: 1h", []string{"lifecycle.expectedDrain: 1h is not less than drainAfter 1h"}},
		{"vulnerableWithin too long", "vulnerableWithin: 4d", []string{"lifecycle.vulnerableWithin: 4d is more than the maximum 3d"}},
		{"stopTimeout too long", "stopTimeout: 121s", []string{"lifecycle.stopTimeout: 121s is more than the maximum 2m"}},
		{"endAction unknown", "endAction: reboot", []string{`lifecycle.endAction: "reboot" is not one of poweroff, exit`}},
		{"endAction case", "endAction: PowerOff", []string{"lifecycle.endAction:"}},
		{"launchTime not RFC 3339", "launchTime: 2026-11-01 10:00", []string{`lifecycle.launchTime: "2026-11-01 10:00" is not an RFC 3339 time`}},
		{"launchTime garbage", "launchTime: yesterday", []string{"lifecycle.launchTime:"}},
		{"empty window", "maintenanceWindows:\n  - {}", []string{"lifecycle.maintenanceWindows[0]: empty window"}},
		{"weekly without end", "maintenanceWindows:\n  - {start: sat 02:00}", []string{"lifecycle.maintenanceWindows[0]: a weekly window needs both start and end"}},
		{"weekly without start", "maintenanceWindows:\n  - {end: sat 02:00}", []string{"maintenanceWindows[0]: a weekly window needs both"}},
		{"weekly bad day", "maintenanceWindows:\n  - {start: sam 02:00, end: sat 04:00}", []string{"lifecycle.maintenanceWindows[0].start:", `"sam" is not a weekday`}},
		{"weekly bad hour", "maintenanceWindows:\n  - {start: sat 24:00, end: sun 04:00}", []string{"maintenanceWindows[0].start:", "HH:MM"}},
		{"weekly bad minute", "maintenanceWindows:\n  - {start: sat 02:60, end: sun 04:00}", []string{"maintenanceWindows[0].start:"}},
		{"weekly one-digit minute", "maintenanceWindows:\n  - {start: sat 02:5, end: sun 04:00}", []string{"maintenanceWindows[0].start:"}},
		{"weekly no time", "maintenanceWindows:\n  - {start: sat, end: sun 04:00}", []string{"maintenanceWindows[0].start:", "weekday and UTC time"}},
		{"weekly bad end", "maintenanceWindows:\n  - {start: sat 02:00, end: 04:00}", []string{"lifecycle.maintenanceWindows[0].end:"}},
		{"weekly empty range", "maintenanceWindows:\n  - {start: sat 02:00, end: Sat 02:00}", []string{"maintenanceWindows[0].end:", "empty"}},
		{"mixed forms", "maintenanceWindows:\n  - {start: sat 02:00, end: sat 04:00, cron: '0 3 * * *'}", []string{"maintenanceWindows[0]: give either"}},
		{"cron without duration", "maintenanceWindows:\n  - {cron: '0 3 * * *'}", []string{"lifecycle.maintenanceWindows[0].duration: missing"}},
		{"duration without cron", "maintenanceWindows:\n  - {duration: 2h}", []string{"lifecycle.maintenanceWindows[0].cron: missing"}},
		{"cron bad", "maintenanceWindows:\n  - {cron: '0 3 * *', duration: 2h}", []string{"lifecycle.maintenanceWindows[0].cron:", "5-field"}},
		{"cron six fields", "maintenanceWindows:\n  - {cron: '0 0 3 * * *', duration: 2h}", []string{"maintenanceWindows[0].cron:"}},
		{"cron out of range", "maintenanceWindows:\n  - {cron: '0 25 * * *', duration: 2h}", []string{"maintenanceWindows[0].cron:"}},
		{"cron descriptor", "maintenanceWindows:\n  - {cron: '@daily', duration: 2h}", []string{"maintenanceWindows[0].cron:"}},
		{"cron time zone", "maintenanceWindows:\n  - {cron: 'CRON_TZ=Europe/Paris 0 3 * * *', duration: 2h}", []string{"maintenanceWindows[0].cron:", "UTC"}},
		{"cron never", "maintenanceWindows:\n  - {cron: '0 3 30 2 *', duration: 2h}", []string{"maintenanceWindows[0].cron:", "never matches"}},
		{"cron duration too long", "maintenanceWindows:\n  - {cron: '0 3 * * *', duration: 25h}", []string{"maintenanceWindows[0].duration: 25h is outside 1m to 1d"}},
		{"cron duration too short", "maintenanceWindows:\n  - {cron: '0 3 * * *', duration: 30s}", []string{"maintenanceWindows[0].duration:"}},
		{"cron duration bad", "maintenanceWindows:\n  - {cron: '0 3 * * *', duration: 2}", []string{"maintenanceWindows[0].duration:"}},
		{"second window named by index", "maintenanceWindows:\n  - {start: sat 02:00, end: sat 04:00}\n  - {start: xyz, end: sat 04:00}", []string{"maintenanceWindows[1].start:"}},
		{"duplicate key", "drainAfter: 3d\ndrainAfter: 4d", []string{"lifecycle:", "already defined"}},
		{"two documents", "drainAfter: 3d\n---\ndrainAfter: 4d", []string{"lifecycle: more than one YAML document"}},
		{"all errors at once", "drainAfter: 15d\nstopTimeout: 1h\nendAction: halt", []string{"lifecycle.drainAfter:", "lifecycle.stopTimeout:", "lifecycle.endAction:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseConfig([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("ParseConfig succeeded with %+v, want an error", s)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if s.DrainAfter != 0 || s.Windows != nil {
				t.Errorf("settings %+v returned with an error, want zero", s)
			}
		})
	}
}
