package attest

import (
	"strings"
	"testing"
)

var fixture = Host{Root: "testdata/host"}

func TestOSRelease(t *testing.T) {
	id, ver, err := fixture.OSRelease()
	if err != nil || id != "debian" || ver != "12" {
		t.Fatalf("OSRelease = %q %q %v, want debian 12", id, ver, err)
	}
	if _, _, err := (Host{Root: t.TempDir()}).OSRelease(); err == nil {
		t.Fatal("OSRelease without a file: no error")
	}
}

func TestPackages(t *testing.T) {
	list, digest, err := fixture.Packages()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"base-files 12.4+deb12u5 amd64", "zlib1g 1:1.2.13.dfsg-1 amd64"}
	if strings.Join(list, "|") != strings.Join(want, "|") {
		t.Fatalf("list = %q, want %q (deinstalled package left out)", list, want)
	}
	if digest != "d5b729a615c06a90c43ed165e6fc12c552b356440eb408dbd7a29506a88be3bc" {
		t.Fatalf("digest = %s", digest)
	}
}

func TestBootIDAndSecurity(t *testing.T) {
	id, err := fixture.BootID()
	if err != nil || id != "6d3f1a2b-0c4e-4f5a-9b8c-7d6e5f4a3b2c" {
		t.Fatalf("BootID = %q %v", id, err)
	}
	mode, sum, err := fixture.SELinux()
	if err != nil || mode != "enforcing" || sum != "5c03b910b231b823c172f571b37df4bfac46f83a5691fe724bcbe6485a76418f" {
		t.Fatalf("SELinux = %q %q %v", mode, sum, err)
	}
	lock, err := fixture.Lockdown()
	if err != nil || lock != "integrity" {
		t.Fatalf("Lockdown = %q %v", lock, err)
	}
	empty := Host{Root: t.TempDir()}
	if mode, _, err := empty.SELinux(); err != nil || mode != "disabled" {
		t.Fatalf("SELinux without selinuxfs = %q %v, want disabled", mode, err)
	}
	if lock, err := empty.Lockdown(); err != nil || lock != "none" {
		t.Fatalf("Lockdown without securityfs = %q %v, want none", lock, err)
	}
}

func TestRootFS(t *testing.T) {
	r, err := fixture.RootFS()
	if err != nil {
		t.Fatal(err)
	}
	want := RootFS{UUID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", ReadOnly: true}
	if r != want {
		t.Fatalf("RootFS = %+v, want %+v", r, want)
	}
	if got := verityHash("root=/dev/dm-0 roothash=abc123 ro"); got != "abc123" {
		t.Fatalf("verityHash = %q", got)
	}
	if got := verityHash("quiet systemd.verity_root_hash=def456"); got != "def456" {
		t.Fatalf("verityHash = %q", got)
	}
}

// The real machine: the kernel, /proc and the dpkg database of the Debian
// build machines.
func TestRealMachine(t *testing.T) {
	rel, err := KernelRelease()
	if err != nil || rel == "" {
		t.Fatalf("KernelRelease = %q %v", rel, err)
	}
	up, err := Uptime()
	if err != nil || up <= 0 {
		t.Fatalf("Uptime = %v %v", up, err)
	}
	up2, _ := Uptime()
	if up2 < up {
		t.Fatalf("CLOCK_BOOTTIME went back: %v then %v", up, up2)
	}
	id, err := Host{}.BootID()
	if err != nil || len(id) != 36 {
		t.Fatalf("BootID = %q %v", id, err)
	}
	if mode, _, err := (Host{}).SELinux(); err != nil || mode == "" {
		t.Fatalf("SELinux of this machine = %q %v", mode, err)
	}
	if lock, err := (Host{}).Lockdown(); err != nil || lock == "" {
		t.Fatalf("Lockdown of this machine = %q %v", lock, err)
	}
	if _, err := (Host{}).RootFS(); err != nil {
		t.Fatalf("RootFS of this machine: %v", err)
	}
	p, err := Host{}.Patch(false)
	if err != nil || p.PackageCount == 0 || len(p.PackagesDigest) != 64 || p.Packages != nil {
		t.Fatalf("Patch of this Debian machine = %+v %v", p, err)
	}
}
