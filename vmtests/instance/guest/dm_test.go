package guest

import (
	"encoding/hex"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var testVerity = Verity{Data: "/dev/vda", Hash: "/dev/vdb", DataBlocks: 64, BlockSize: 4096, Algorithm: "sha256",
	RootHash: "2d165647bfb7520ba37591ee1a7106c239a0b347e56d53830e51a38182de0f6b", Salt: "00112233445566778899aabbccddeeff"}

// TestVerityTableRequest compares the DM_TABLE_LOAD request, byte for
// byte, with testdata/verity-table-load.hex (go test -update rewrites it).
func TestVerityTableRequest(t *testing.T) {
	got := hex.Dump(verityTable("root", testVerity))
	const golden = "testdata/verity-table-load.hex"
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("table load request differs from %s:\n%s", golden, got)
	}
	if len(verityTable("root", testVerity))%8 != 0 {
		t.Error("request length not 8-aligned")
	}
	if dmRequest(dmTableLoad) != 0xc138fd09 {
		t.Errorf("DM_TABLE_LOAD = %#x, want 0xc138fd09", dmRequest(dmTableLoad))
	}
}

func TestCmdlineVerity(t *testing.T) {
	base := "console=ttyS0 lsm=lockdown,capability,selinux,bpf "
	hash := "moat.roothash=" + testVerity.RootHash
	tests := []struct {
		name, cmdline, wantErr string
	}{
		{"good", base + hash + " moat.verity=64:4096:sha256:00112233445566778899aabbccddeeff", ""},
		{"no root hash", base + "moat.verity=64:4096:sha256:-", "moat.roothash"},
		{"short root hash", base + "moat.roothash=abcd moat.verity=64:4096:sha256:-", "moat.roothash"},
		{"upper-case hash", base + "moat.roothash=" + strings.ToUpper(testVerity.RootHash) + " moat.verity=64:4096:sha256:-", "moat.roothash"},
		{"no params", base + hash, "moat.verity"},
		{"zero blocks", base + hash + " moat.verity=0:4096:sha256:-", "blocks"},
		{"odd block size", base + hash + " moat.verity=64:3000:sha256:-", "block size"},
		{"no salt", base + hash + " moat.verity=64:4096:sha256:", "salt"},
	}
	for _, tt := range tests {
		v, err := cmdlineVerity(tt.cmdline)
		if tt.wantErr == "" {
			if err != nil || v.DataBlocks != 64 || v.BlockSize != 4096 || v.Salt != testVerity.Salt || v.RootHash != testVerity.RootHash {
				t.Errorf("%s: %+v, %v", tt.name, v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err %v, want one naming %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestVerityTableLine(t *testing.T) {
	want := "1 /dev/vda /dev/vdb 4096 4096 64 0 sha256 " + testVerity.RootHash + " " + testVerity.Salt
	if got := testVerity.Table(); got != want {
		t.Errorf("table %q, want %q", got, want)
	}
	if testVerity.sectors() != 64*8 {
		t.Errorf("sectors %d, want %d", testVerity.sectors(), 64*8)
	}
}
