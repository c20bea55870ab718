package instance

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// BusyboxImageName is the name the busybox image gets when imported.
const BusyboxImageName = "docker.io/library/busybox:latest"

// BusyboxImagePath is the OCI archive's path in the instance.
const BusyboxImagePath = "/usr/share/moat/images/busybox.tar"

// epoch stamps every file and the image config: the archive is a pure
// function of the busybox binary.
var epoch = time.Unix(0, 0).UTC()

// busyboxLayer is an uncompressed layer: busybox, its applet links and
// the few files a shell expects.
func busyboxLayer(bb string, applets []string) ([]byte, error) {
	bin, err := os.ReadFile(bb)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "etc/", "root/", "tmp/", "usr/", "usr/bin/", "usr/sbin/", "sbin/"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch})
	}
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin)), ModTime: epoch})
	tw.Write(bin)
	files := map[string]string{"etc/passwd": passwd, "etc/group": group}
	for _, name := range []string{"etc/group", "etc/passwd"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(files[name])), ModTime: epoch})
		tw.Write([]byte(files[name]))
	}
	for _, a := range applets {
		if a = strings.TrimPrefix(a, "/"); a == "bin/busybox" {
			continue
		}
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: a, Linkname: "/bin/busybox", Mode: 0o777, ModTime: epoch})
	}
	return buf.Bytes(), tw.Close()
}

// ociArchive packs one layer as an OCI image layout tar that
// `ctr images import` takes, named BusyboxImageName.
func ociArchive(layer []byte) ([]byte, error) {
	layerDesc := blobDesc(ocispec.MediaTypeImageLayer, layer)
	cfg, err := json.Marshal(ocispec.Image{
		Created:  &epoch,
		Platform: ocispec.Platform{Architecture: "amd64", OS: "linux"},
		Config:   ocispec.ImageConfig{Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"sh"}},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{layerDesc.Digest}},
	})
	if err != nil {
		return nil, err
	}
	cfgDesc := blobDesc(ocispec.MediaTypeImageConfig, cfg)
	manifest, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cfgDesc, Layers: []ocispec.Descriptor{layerDesc},
	})
	if err != nil {
		return nil, err
	}
	mDesc := blobDesc(ocispec.MediaTypeImageManifest, manifest)
	mDesc.Annotations = map[string]string{
		"io.containerd.image.name": BusyboxImageName,
		ocispec.AnnotationRefName:  "latest",
	}
	mDesc.Platform = &ocispec.Platform{Architecture: "amd64", OS: "linux"}
	index, err := json.Marshal(ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{mDesc},
	})
	if err != nil {
		return nil, err
	}
	return tarFiles([][2][]byte{
		{[]byte(ocispec.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{[]byte("index.json"), index},
		{blobPath(cfgDesc), cfg}, {blobPath(layerDesc), layer}, {blobPath(mDesc), manifest},
	})
}

func blobDesc(mediaType string, b []byte) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(b), Size: int64(len(b))}
}

func blobPath(d ocispec.Descriptor) []byte {
	return []byte(path.Join("blobs", d.Digest.Algorithm().String(), d.Digest.Encoded()))
}

func tarFiles(files [][2][]byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "blobs/sha256/", Mode: 0o755, ModTime: epoch})
	for _, f := range files {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: string(f[0]), Mode: 0o644, Size: int64(len(f[1])), ModTime: epoch}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f[1]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), tw.Close()
}

// addBusyboxImage writes the busybox OCI archive into the tree.
func addBusyboxImage(t *tree) error {
	bb, err := staticBusybox()
	if err != nil {
		return err
	}
	applets, err := busyboxApplets(bb)
	if err != nil {
		return err
	}
	layer, err := busyboxLayer(bb, applets)
	if err != nil {
		return fmt.Errorf("busybox layer: %w", err)
	}
	archive, err := ociArchive(layer)
	if err != nil {
		return fmt.Errorf("busybox image: %w", err)
	}
	return t.Write(BusyboxImagePath, archive, 0o644)
}
