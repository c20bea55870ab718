package instance

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

func TestParseVeritysetup(t *testing.T) {
	b, err := os.ReadFile("testdata/veritysetup-format.txt")
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseVeritysetup(string(b))
	if err != nil {
		t.Fatal(err)
	}
	want := guest.Verity{DataBlocks: 64, BlockSize: 4096, Algorithm: "sha256", Salt: "00112233445566778899aabbccddeeff",
		RootHash: "2d165647bfb7520ba37591ee1a7106c239a0b347e56d53830e51a38182de0f6b"}
	if v != want {
		t.Errorf("parsed %+v, want %+v", v, want)
	}
	img := Image{Verity: v}
	if got := img.KernelParams(); got != "moat.roothash="+want.RootHash+" moat.verity=64:4096:sha256:"+want.Salt {
		t.Errorf("kernel params %q", got)
	}
	for _, bad := range []string{"", strings.Replace(string(b), "Data blocks:     \t64", "Data blocks: x", 1),
		strings.Replace(string(b), "Hash block size: \t4096", "Hash block size: \t512", 1)} {
		if _, err := parseVeritysetup(bad); err == nil {
			t.Errorf("parsed bad output %q without error", bad)
		}
	}
}

func TestNetdevIsRestrictedToLoopbackForwards(t *testing.T) {
	got := netdev([]Forward{{GuestPort: 8443, HostPort: 40001}})
	want := "user,id=net0,restrict=on,net=10.0.2.0/24,host=10.0.2.2," +
		"guestfwd=tcp:10.0.2.100:8443-cmd:busybox nc 127.0.0.1 40001"
	if got != want {
		t.Errorf("netdev\n %q\nwant\n %q", got, want)
	}
	if got := netdev(nil); !strings.Contains(got, "restrict=on") || strings.Contains(got, "fwd") {
		t.Errorf("netdev without forwards %q: want restrict=on and no forward", got)
	}
}

func TestBootSpecRejectsBadPorts(t *testing.T) {
	for _, f := range []Forward{{0, 80}, {80, 0}, {70000, 80}} {
		b := BootSpec{Image: &Image{}, Forwards: []Forward{f}}
		if err := b.defaults(t.TempDir()); err == nil || !strings.Contains(err.Error(), "forward") {
			t.Errorf("forward %+v: err %v, want one naming the forward", f, err)
		}
	}
}

func TestStreamMarkers(t *testing.T) {
	in := guest.MarkBoot + "release=6.1 lsm=bpf\n" + guest.MarkUnit + "moatd active\nhello\n" +
		guest.MarkReady + "units=4\nworld\n\n" + guest.MarkExit + "42\n"
	var out bytes.Buffer
	var events []string
	m := streamMarkers(strings.NewReader(in), &out, time.Now(), func(e Event) {
		events = append(events, strings.TrimSpace(e.What+" "+e.Unit+" "+e.State))
	})
	if want := []string{"booted", "unit moatd active", "ready"}; strings.Join(events, ",") != strings.Join(want, ",") {
		t.Errorf("events %q, want %q", events, want)
	}
	if out.String() != "hello\nworld\n\n" || !m.exited || m.exit != 42 || m.fail != "" {
		t.Errorf("output %q markers %+v, want the two lines and exit 42", out.String(), m)
	}
	m = streamMarkers(strings.NewReader(guest.MarkFail+"units failed: moatd\n"+guest.MarkExit+"125\n"), io.Discard, time.Now(), nil)
	if m.fail != "units failed: moatd" {
		t.Errorf("fail %q, want the reason", m.fail)
	}
	if m = streamMarkers(strings.NewReader("Kernel panic\n"), io.Discard, time.Now(), nil); m.exited {
		t.Error("no exit marker but exited")
	}
}

// TestBusyboxArchive checks the OCI layout ctr imports: the index names
// the image, and every blob is stored under its digest.
func TestBusyboxArchive(t *testing.T) {
	layer, err := busyboxLayer("/bin/sh", []string{"/bin/sh", "bin/echo"})
	if err != nil {
		t.Fatal(err)
	}
	archive, err := ociArchive(layer)
	if err != nil {
		t.Fatal(err)
	}
	files := untar(t, archive)
	var index ocispec.Index
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 1 || index.Manifests[0].Annotations["io.containerd.image.name"] != BusyboxImageName {
		t.Fatalf("index %+v: want one manifest named %s", index, BusyboxImageName)
	}
	for name, b := range files {
		if dir, sum := path.Split(name); dir == "blobs/sha256/" && sum != "" {
			if d := sha256.Sum256(b); hex.EncodeToString(d[:]) != sum {
				t.Errorf("blob %s has digest %x", name, d)
			}
		}
	}
	links := untar(t, layer)
	if _, ok := links["bin/echo"]; !ok {
		t.Errorf("layer lacks bin/echo: %v", keys(links))
	}
}

func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out[h.Name] = body
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSpecNamesWhatIsMissing(t *testing.T) {
	tests := []struct {
		s    Spec
		want string
	}{
		{Spec{}, "CacheDir"},
		{Spec{CacheDir: "/c"}, "Supervisor"},
		{Spec{CacheDir: "/c", Supervisor: "/bin/busybox", Files: []File{{Host: "/etc/hosts", Guest: "etc/hosts"}}}, "absolute"},
	}
	for _, tt := range tests {
		if err := tt.s.fill(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("spec %+v: err %v, want one naming %s", tt.s, err, tt.want)
		}
	}
	bad := []guest.Unit{{Name: "a", Command: "relative"}}
	if _, err := marshalUnits(bad); err == nil || !strings.Contains(err.Error(), "units[0].command") {
		t.Errorf("bad unit: err %v, want one naming units[0].command", err)
	}
}

func TestQemuArgs(t *testing.T) {
	b := BootSpec{Image: &Image{Root: "/c/root.erofs", Hash: "/c/root.verity", Verity: guest.Verity{RootHash: "ab", Salt: "-"}}}
	if err := b.defaults(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	args := strings.Join(b.qemuArgs("/t/initrd", "/t/data,1.ext4"), " ")
	for _, want := range []string{
		"file=/c/root.erofs,readonly=on -device virtio-blk-pci,drive=root,serial=moat-root",
		"file=/c/root.verity,readonly=on -device virtio-blk-pci,drive=hash,serial=moat-hash",
		"file=/t/data,,1.ext4 -device virtio-blk-pci,drive=data,serial=moat-data",
		"-m 2048 -smp 2", "restrict=on", "lsm=lockdown,capability,selinux,bpf", "moat.roothash=ab", "-accel tcg",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("qemu args lack %q:\n%s", want, args)
		}
	}
	if strings.Contains(args, "data,,1.ext4,readonly") {
		t.Error("the data disk is read-only")
	}
}

func TestPruneKeepsTheRecentImages(t *testing.T) {
	cache := t.TempDir()
	for i := 0; i < keepImages+2; i++ {
		p := path.Join(cache, string(rune('a'+i)))
		os.Mkdir(p, 0o755)
		at := time.Now().Add(time.Duration(i-10) * time.Minute) // a oldest
		os.Chtimes(p, at, at)
	}
	old := path.Join(cache, "build-1")
	os.Mkdir(old, 0o755)
	os.Chtimes(old, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour))
	os.Mkdir(path.Join(cache, "build-2"), 0o755)
	os.WriteFile(path.Join(cache, "digests.json"), nil, 0o644)
	prune(cache)
	entries, _ := os.ReadDir(cache)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := "build-2 c d digests.json e f"; strings.Join(got, " ") != want {
		t.Errorf("after prune: %v, want %s", got, want)
	}
}
