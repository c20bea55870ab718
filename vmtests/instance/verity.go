package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// packVerity packs the tree as an erofs image and formats its dm-verity
// hash tree; the salt and UUID come from the key, so that the same inputs
// give the same root hash.
func packVerity(ctx context.Context, tree, out, fileContexts, key string) (guest.Verity, error) {
	root, hash := filepath.Join(out, "root.erofs"), filepath.Join(out, "root.verity")
	args := []string{"-T0", "--all-root", "--quiet", "-U" + uuidFrom(key)}
	if fileContexts != "" {
		args = append(args, "--file-contexts="+fileContexts)
	}
	if err := run(ctx, "mkfs.erofs", append(args, root, tree)...); err != nil {
		return guest.Verity{}, err
	}
	outText, err := exec.CommandContext(ctx, "veritysetup", "format", "--no-superblock", "--hash=sha256",
		"--data-block-size=4096", "--hash-block-size=4096", "--salt="+key[32:64], root, hash).CombinedOutput()
	if err != nil {
		return guest.Verity{}, fmt.Errorf("veritysetup format: %v: %s (install cryptsetup-bin: make deps)", err, outText)
	}
	return parseVeritysetup(string(outText))
}

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s (make deps installs erofs-utils, cryptsetup-bin, e2fsprogs)", name, err, out)
	}
	return nil
}

func uuidFrom(key string) string {
	return key[0:8] + "-" + key[8:12] + "-" + key[12:16] + "-" + key[16:20] + "-" + key[20:32]
}

// parseVeritysetup reads the parameters `veritysetup format` prints.
func parseVeritysetup(out string) (guest.Verity, error) {
	fields := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	v := guest.Verity{Algorithm: fields["Hash algorithm"], RootHash: fields["Root hash"], Salt: fields["Salt"]}
	blocks, err1 := strconv.ParseUint(fields["Data blocks"], 10, 64)
	bs, err2 := strconv.Atoi(fields["Data block size"])
	hbs := fields["Hash block size"]
	switch {
	case err1 != nil || blocks == 0:
		return v, fmt.Errorf("veritysetup output: Data blocks %q", fields["Data blocks"])
	case err2 != nil || strconv.Itoa(bs) != hbs:
		return v, fmt.Errorf("veritysetup output: block sizes %q and %q differ or are missing", fields["Data block size"], hbs)
	case v.Algorithm == "" || len(v.RootHash) < 32:
		return v, fmt.Errorf("veritysetup output: no hash algorithm or root hash in %q", out)
	}
	if v.Salt == "" {
		v.Salt = "-"
	}
	v.DataBlocks, v.BlockSize = blocks, bs
	return v, nil
}

// KernelParams are the command-line settings stage 1 reads.
func (img *Image) KernelParams() string {
	v := img.Verity
	return fmt.Sprintf("moat.roothash=%s moat.verity=%d:%d:%s:%s", v.RootHash, v.DataBlocks, v.BlockSize, v.Algorithm, v.Salt)
}

func writeVerity(path string, v guest.Verity) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func readVerity(path string) (guest.Verity, error) {
	var v guest.Verity
	b, err := os.ReadFile(path)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(b, &v)
}
