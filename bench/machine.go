package bench

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Machine is where the run happened.
type Machine struct {
	NProc       int    `json:"nproc"`
	CPU         string `json:"cpu"`
	Kernel      string `json:"kernel"`
	Go          string `json:"go"`
	GuestKernel string `json:"guest_kernel,omitempty"`
	Accel       string `json:"accel,omitempty"` // the VM's: tcg,icount or kvm
}

// Report is the whole run.
type Report struct {
	Machine Machine    `json:"machine"`
	Started time.Time  `json:"started"`
	Passes  []PassTime `json:"passes"`
	Notes   []string   `json:"notes"`
	Rows    []Row      `json:"rows"`
}

// PassTime is how long a pass took.
type PassTime struct {
	Name string `json:"name"`
	Took string `json:"took"`
}

func hostMachine() Machine {
	m := Machine{NProc: runtime.NumCPU(), CPU: cpuModel(), Go: runtime.Version()}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
