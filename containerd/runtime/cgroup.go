package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// CgroupID returns the cgroup v2 id of process pid: the inode number of
// its cgroup directory in the cgroup2 hierarchy. It works on pure cgroup v2
// and on hybrid hosts (cgroup2 mounted at /sys/fs/cgroup/unified).
func CgroupID(pid int) (uint64, string, error) {
	mnt, err := cgroup2Mount("/proc/self/mountinfo")
	if err != nil {
		return 0, "", err
	}
	rel, err := unifiedPath(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return 0, "", err
	}
	dir := filepath.Join(mnt.point, strings.TrimPrefix(rel, mnt.root))
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return 0, "", fmt.Errorf("cgroup of pid %d: %w", pid, err)
	}
	return st.Ino, dir, nil
}

type mount struct{ point, root string }

// cgroup2Mount finds the first cgroup2 mount in a mountinfo file.
func cgroup2Mount(path string) (mount, error) {
	f, err := os.Open(path)
	if err != nil {
		return mount{}, fmt.Errorf("find cgroup2 mount: %w", err)
	}
	defer f.Close()
	return parseCgroup2Mount(f)
}

func parseCgroup2Mount(r io.Reader) (mount, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source superopts
		fields := strings.Fields(sc.Text())
		sep := indexOf(fields, "-")
		if sep < 0 || sep+1 >= len(fields) || len(fields) < 5 {
			continue
		}
		if fields[sep+1] == "cgroup2" {
			return mount{point: unescape(fields[4]), root: unescape(fields[3])}, nil
		}
	}
	if err := sc.Err(); err != nil {
		return mount{}, fmt.Errorf("read mountinfo: %w", err)
	}
	return mount{}, errors.New("no cgroup2 filesystem is mounted: moat needs cgroup v2 (pure or hybrid)")
}

// unifiedPath returns the path of the "0::" line of a /proc/PID/cgroup file.
func unifiedPath(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read cgroup: %w", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s has no cgroup v2 (0::) line", path)
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ReadPid reads runc's --pid-file.
func ReadPid(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s holds %q, not a pid", path, data)
	}
	return pid, nil
}
