package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// applets are the busybox links an image gets.
var applets = []string{"sh", "sleep", "true", "false", "cat", "echo", "ls", "id", "ip", "grep"}

// blob is one content-addressed file of an OCI layout.
type blob struct {
	mediaType string
	data      []byte
}

func (b blob) digest() string {
	sum := sha256.Sum256(b.data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (b blob) descriptor() map[string]any {
	return map[string]any{"mediaType": b.mediaType, "digest": b.digest(), "size": len(b.data)}
}

// busyboxLayer is an uncompressed layer: /bin/busybox and its applets.
func busyboxLayer(busybox string) (blob, error) {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return blob{}, fmt.Errorf("read busybox-static (apt-get install busybox-static): %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(0, 0)
	for _, d := range []string{"bin/", "etc/", "tmp/", "proc/", "sys/", "dev/"} {
		tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime})
	}
	tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin)), ModTime: mtime})
	tw.Write(bin)
	for _, a := range applets {
		tw.WriteHeader(&tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777, ModTime: mtime})
	}
	passwd := []byte("root:x:0:0:root:/:/bin/sh\n")
	tw.WriteHeader(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(passwd)), ModTime: mtime})
	tw.Write(passwd)
	if err := tw.Close(); err != nil {
		return blob{}, err
	}
	return blob{"application/vnd.oci.image.layer.v1.tar", buf.Bytes()}, nil
}

// imageTar returns an OCI layout tar of one image named name with the
// layer and the command.
func imageTar(name string, layer blob, cmd []string) ([]byte, error) {
	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Cmd": cmd, "Env": []string{"PATH=/bin"}, "WorkingDir": "/"},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{layer.digest()}},
	})
	cfg := blob{"application/vnd.oci.image.config.v1+json", config}
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": cfg.descriptor(), "layers": []any{layer.descriptor()},
	})
	man := blob{"application/vnd.oci.image.manifest.v1+json", manifest}
	desc := man.descriptor()
	desc["platform"] = map[string]string{"architecture": "amd64", "os": "linux"}
	desc["annotations"] = map[string]string{"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name}
	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []any{desc},
	})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(path string, data []byte) {
		tw.WriteHeader(&tar.Header{Name: path, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)})
		tw.Write(data)
	}
	add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	add("index.json", index)
	for _, b := range []blob{layer, cfg, man} {
		add("blobs/sha256/"+b.digest()[len("sha256:"):], b.data)
	}
	return buf.Bytes(), tw.Close()
}
