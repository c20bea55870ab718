package instance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/moat-sh/moat/vmtests/instance/guest"
)

// fillTree puts every input in the root tree.
func (s *Spec) fillTree(t *tree) error {
	if err := t.AddBusybox(); err != nil {
		return err
	}
	for _, tool := range append([]string{"runc"}, s.Tools...) {
		if err := t.AddTool(tool); err != nil {
			return err
		}
	}
	for _, name := range containerdBins {
		if err := t.Copy(filepath.Join(s.ContainerdBin, name), "/usr/bin/"+name, 0o755); err != nil {
			return fmt.Errorf("%w (scripts/containerd builds it)", err)
		}
	}
	for _, f := range append(append([]File{}, s.Binaries...), s.Files...) {
		if err := t.Copy(f.Host, f.Guest, f.Mode); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(t.Path(ContainerdConfDir), 0o755); err != nil {
		return err
	}
	if err := t.Copy(s.Supervisor, "/sbin/init", 0o755); err != nil {
		return err
	}
	os.Remove(t.Path("/usr/sbin/moat-supervise"))
	if err := os.Symlink("/sbin/init", t.Path("/usr/sbin/moat-supervise")); err != nil {
		return err
	}
	if err := s.writeEtc(t); err != nil {
		return err
	}
	return addBusyboxImage(t)
}

func (s *Spec) writeEtc(t *tree) error {
	units, err := marshalUnits(s.Units)
	if err != nil {
		return err
	}
	files := map[string]string{
		"/etc/passwd": passwd, "/etc/group": group, "/etc/hosts": hosts,
		"/etc/hostname": "moat-instance\n", "/etc/resolv.conf": "",
		"/etc/os-release": "ID=moat\nNAME=\"moat instance\"\n",
		UnitsPath:         string(units), ContainerdConfigPath: DefaultContainerdConfig,
	}
	for path, body := range files {
		if err := t.Write(path, []byte(body), 0o644); err != nil {
			return err
		}
	}
	if s.ContainerdConfig != "" {
		if err := t.Copy(s.ContainerdConfig, ContainerdConfigPath, 0o644); err != nil {
			return err
		}
	}
	if s.MoatConfig != "" {
		return t.Copy(s.MoatConfig, MoatConfigPath, 0o644)
	}
	return nil
}

// marshalUnits writes the unit file and checks that the supervisor will
// take it, so that a bad unit fails the build, not the boot.
func marshalUnits(units []guest.Unit) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(guest.UnitFile{Units: units}); err != nil {
		return nil, err
	}
	if _, err := guest.ParseUnits(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return buf.Bytes(), nil
}

func copyPlain(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}
