package bpf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"
)

// Rule names what an event is about.
type Rule = moatRule

// Rules, one per kind of refusal.
const (
	RuleRootWrite        = moatRuleRULE_ROOT_WRITE
	RuleRootMount        = moatRuleRULE_ROOT_MOUNT
	RuleRootBlockDevice  = moatRuleRULE_ROOT_BDEV
	RuleExecUnprotected  = moatRuleRULE_EXEC_UNPROTECTED
	RuleExecDenylist     = moatRuleRULE_EXEC_DENYLIST
	RuleCapability       = moatRuleRULE_CAP
	RuleCapabilityBPF    = moatRuleRULE_CAP_BPF
	RuleTamperBPF        = moatRuleRULE_TAMPER_BPF
	RuleTamperFile       = moatRuleRULE_TAMPER_FILE
	RuleTamperPtrace     = moatRuleRULE_TAMPER_PTRACE
	RuleTamperSignal     = moatRuleRULE_TAMPER_SIGNAL
	RuleTamperKernelLoad = moatRuleRULE_TAMPER_KERNEL
)

// Hook is the LSM hook that saw the event.
type Hook = moatHook

// Action says whether the kernel refused (enforce) or only reported (audit).
type Action = moatAction

const (
	ActionDenied  = moatActionACTION_DENIED
	ActionAudited = moatActionACTION_AUDITED
)

// Event is one audit event.
type Event struct {
	Time      time.Time
	Rule      Rule
	Hook      Hook
	Action    Action
	PID, TGID uint32
	UID       uint32
	Comm      string
	CgroupID  uint64
	Arg       int64  // capability, signal, bpf command, mount flags, ioctl or load id
	Name      string // target file or object name, best effort
	TargetDev uint32 // kernel dev_t of the target file's filesystem
	TargetIno uint64
	TargetPID uint32
}

// Reader reads events from the ring buffer.
type Reader struct {
	rd *ringbuf.Reader
}

// Events opens a reader on the ring buffer. One reader at a time.
func (e *Enforcer) Events() (*Reader, error) {
	rd, err := ringbuf.NewReader(e.maps.MoatEvents)
	if err != nil {
		return nil, fmt.Errorf("open event ring buffer: %w", err)
	}
	return &Reader{rd: rd}, nil
}

// ErrClosed is returned by Read after Close.
var ErrClosed = ringbuf.ErrClosed

// SetDeadline makes Read return os.ErrDeadlineExceeded after t.
func (r *Reader) SetDeadline(t time.Time) { r.rd.SetDeadline(t) }

// Read blocks until an event arrives, the deadline passes or the reader closes.
func (r *Reader) Read() (Event, error) {
	rec, err := r.rd.Read()
	if err != nil {
		return Event{}, err
	}
	return decodeEvent(rec.RawSample, bootNow(), time.Now())
}

// Close unblocks Read and releases the ring buffer.
func (r *Reader) Close() error { return r.rd.Close() }

func decodeEvent(raw []byte, bootNs uint64, now time.Time) (Event, error) {
	var m moatEvent
	if err := binary.Read(bytes.NewReader(raw), binary.NativeEndian, &m); err != nil {
		return Event{}, fmt.Errorf("decode event (%d bytes): %w", len(raw), err)
	}
	return Event{
		Time:      now.Add(-time.Duration(bootNs - m.TimeNs)),
		Rule:      m.Rule,
		Hook:      m.Hook,
		Action:    m.Action,
		PID:       m.Pid,
		TGID:      m.Tgid,
		UID:       m.Uid,
		Comm:      cString(m.Comm[:]),
		CgroupID:  m.CgroupId,
		Arg:       m.Arg,
		Name:      cString(m.Name[:]),
		TargetDev: m.TargetDev,
		TargetIno: m.TargetIno,
		TargetPID: m.TargetPid,
	}, nil
}

func bootNow() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0
	}
	return uint64(ts.Nano())
}

func cString(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}
