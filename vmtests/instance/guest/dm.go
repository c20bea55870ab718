package guest

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The device-mapper ioctl interface (linux/dm-ioctl.h), version 4.
const (
	dmIoctlSize  = 312 // sizeof(struct dm_ioctl)
	dmSpecSize   = 40  // sizeof(struct dm_target_spec)
	dmReadOnly   = 1 << 0
	dmDevCreate  = 3
	dmDevSuspend = 6
	dmTableLoad  = 9
)

func dmRequest(nr uintptr) uintptr { return 3<<30 | dmIoctlSize<<16 | 0xfd<<8 | nr }

// Verity is a dm-verity table for a data device with a separate hash
// device made by `veritysetup format --no-superblock`.
type Verity struct {
	Data, Hash string // device paths
	DataBlocks uint64 // of BlockSize bytes
	BlockSize  int    // data and hash block size
	Algorithm  string
	RootHash   string // hex
	Salt       string // hex, "-" for none
}

// Table returns the verity target's parameters (the table line after
// "0 SECTORS verity").
func (v Verity) Table() string {
	return fmt.Sprintf("1 %s %s %d %d %d 0 %s %s %s", v.Data, v.Hash, v.BlockSize, v.BlockSize,
		v.DataBlocks, v.Algorithm, v.RootHash, v.Salt)
}

func (v Verity) sectors() uint64 { return v.DataBlocks * uint64(v.BlockSize) / 512 }

// dmIoctl is one struct dm_ioctl with room for a table after it.
func dmHeader(name string, flags uint32, size int) []byte {
	b := make([]byte, size)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 4) // version 4.0.0
	le.PutUint32(b[12:], uint32(size))
	le.PutUint32(b[16:], dmIoctlSize)
	le.PutUint32(b[28:], flags)
	copy(b[48:48+127], name)
	return b
}

func dmCall(ctl *os.File, nr uintptr, b []byte) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, ctl.Fd(), dmRequest(nr), uintptr(unsafe.Pointer(&b[0])))
	if errno != 0 {
		return errno
	}
	return nil
}

// OpenVerity creates the read-only device-mapper device name over v and
// returns its device number.
func OpenVerity(name string, v Verity) (uint64, error) {
	ctl, err := os.OpenFile("/dev/mapper/control", os.O_RDWR, 0)
	if err != nil {
		return 0, fmt.Errorf("device-mapper control (is dm_mod loaded?): %w", err)
	}
	defer ctl.Close()
	create := dmHeader(name, 0, dmIoctlSize)
	if err := dmCall(ctl, dmDevCreate, create); err != nil {
		return 0, fmt.Errorf("create dm device %s: %w", name, err)
	}
	dev := binary.LittleEndian.Uint64(create[40:])
	if err := dmCall(ctl, dmTableLoad, verityTable(name, v)); err != nil {
		return 0, fmt.Errorf("load verity table on %s (%s): %w", name, v.Table(), err)
	}
	if err := dmCall(ctl, dmDevSuspend, dmHeader(name, 0, dmIoctlSize)); err != nil {
		return 0, fmt.Errorf("resume dm device %s: %w", name, err)
	}
	return dev, nil
}

// verityTable is a DM_TABLE_LOAD request with one verity target.
func verityTable(name string, v Verity) []byte {
	params := v.Table() + "\x00"
	spec := (dmSpecSize + len(params) + 7) &^ 7
	b := dmHeader(name, dmReadOnly, dmIoctlSize+spec)
	le := binary.LittleEndian
	le.PutUint32(b[20:], 1) // target_count
	t := b[dmIoctlSize:]
	le.PutUint64(t[8:], v.sectors())
	le.PutUint32(t[20:], uint32(spec))
	copy(t[24:40], "verity")
	copy(t[dmSpecSize:], params)
	return b
}

// ParseVerityParams reads the kernel command line's moat.verity=
// value: BLOCKS:BLOCKSIZE:ALGORITHM:SALT (the root hash comes apart in
// moat.roothash=).
func ParseVerityParams(s string, v *Verity) error {
	f := strings.Split(s, ":")
	if len(f) != 4 {
		return fmt.Errorf("moat.verity=%q: want BLOCKS:BLOCKSIZE:ALGORITHM:SALT", s)
	}
	if _, err := fmt.Sscan(f[0], &v.DataBlocks); err != nil || v.DataBlocks == 0 {
		return fmt.Errorf("moat.verity blocks %q: want a positive number", f[0])
	}
	if _, err := fmt.Sscan(f[1], &v.BlockSize); err != nil || v.BlockSize < 512 || v.BlockSize&(v.BlockSize-1) != 0 {
		return fmt.Errorf("moat.verity block size %q: want a power of two from 512", f[1])
	}
	if v.Algorithm, v.Salt = f[2], f[3]; v.Algorithm == "" || v.Salt == "" {
		return fmt.Errorf("moat.verity=%q: algorithm and salt must be set (salt - for none)", s)
	}
	return nil
}
