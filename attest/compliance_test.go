package attest

import (
	"slices"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	base := sampleReport()
	launch := base.Claims.Lifetime.LaunchTime
	day := 24 * time.Hour
	baseline := Baseline{MinKernel: "6.1.0-27", AllowedOS: []string{"debian 12"}}
	with := func(f func(r *Report)) *Report { r := sampleReport(); f(&r); return &r }
	tests := []struct {
		name    string
		now     time.Duration // after launch
		seen    time.Duration // after launch
		last    *Report
		b       Baseline
		want    State
		reasons int
	}{
		{"fresh and patched", 3 * day, 3*day - time.Minute, &base, baseline, Compliant, 0},
		{"never reported", 3 * day, 0, nil, baseline, Stale, 1},
		{"silent three intervals", 3 * day, 3*day - 4*time.Minute, &base, baseline, Stale, 1},
		{"silent under three intervals", 3 * day, 3*day - 179*time.Second, &base, baseline, Compliant, 0},
		{"past drain-by, not draining", 15 * day, 15 * day, &base, baseline, Noncompliant, 1},
		{"past drain-by, draining", 15 * day, 15 * day, with(func(r *Report) {
			r.Claims.Lifetime.Draining, r.Claims.Lifetime.DrainReason = true, DrainSchedule
		}), baseline, Compliant, 0},
		{"past terminate-by", 22 * day, 22 * day, with(func(r *Report) { r.Claims.Lifetime.Draining = true }), baseline, Critical, 1},
		{"drain-by beyond 14 days", day, day, with(func(r *Report) { r.Claims.Lifetime.DrainBy = launch.Add(15 * day) }), baseline, Noncompliant, 1},
		{"terminate-by beyond 21 days", day, day, with(func(r *Report) { r.Claims.Lifetime.TerminateBy = launch.Add(22 * day) }), baseline, Noncompliant, 1},
		{"old kernel", day, day, with(func(r *Report) { r.Claims.Patch.KernelRelease = "6.1.0-26-amd64" }), baseline, Vulnerable, 1},
		{"newer kernel", day, day, with(func(r *Report) { r.Claims.Patch.KernelRelease = "6.12.9+bpo-amd64" }), baseline, Compliant, 0},
		{"os not allowed", day, day, with(func(r *Report) { r.Claims.Patch.OSVersionID = "11" }), baseline, Vulnerable, 1},
		{"image age unknown", day, day, &base, Baseline{MaxImageAge: 30 * day}, Vulnerable, 1},
		{"image too old", day, day, with(func(r *Report) { r.Claims.Patch.ImageCreated = launch.Add(-40 * day) }), Baseline{MaxImageAge: 30 * day}, Vulnerable, 1},
		{"image young", day, day, with(func(r *Report) { r.Claims.Patch.ImageCreated = launch.Add(-2 * day) }), Baseline{MaxImageAge: 30 * day}, Compliant, 0},
		{"selinux permissive", day, day, with(func(r *Report) { r.Claims.Enforcement.SELinuxMode = "permissive" }), baseline, Noncompliant, 1},
		{"family off", day, day, with(func(r *Report) { r.Claims.Enforcement.Families["caps"] = ModeOff }), baseline, Noncompliant, 1},
		{"worst wins", 22 * day, 10 * day, with(func(r *Report) {
			r.Claims.Enforcement.SELinuxMode = "disabled"
			r.Claims.Patch.KernelRelease = "5.10.0-1-amd64"
		}), baseline, Critical, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(launch.Add(tt.now), tt.last, launch.Add(tt.seen), time.Minute, tt.b)
			if got.State != tt.want || len(got.Reasons) != tt.reasons {
				t.Fatalf("Evaluate = %s %q, want %s with %d reasons", got.State, got.Reasons, tt.want, tt.reasons)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"6.1.0-27-amd64", "6.1.0-27", 0},
		{"6.1.0-26-amd64", "6.1.0-27", -1},
		{"6.12.9+bpo-amd64", "6.1.0-27", 1},
		{"6.1.0-27-cloud-amd64", "6.1.0-28", -1},
		{"5.10", "6.1", -1},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if !slices.Equal(versionParts("6.1.0-27-amd64"), []int{6, 1, 0, 27}) {
		t.Fatal(versionParts("6.1.0-27-amd64"))
	}
}
