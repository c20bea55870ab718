package lifecycle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// RecordFile is the name of the first-boot record in the state folder.
const RecordFile = "launch.json"

// recordVersion is the version of the record's format.
const recordVersion = 1

// ErrCorruptRecord marks a first-boot record that cannot be read.
var ErrCorruptRecord = errors.New("corrupt first-boot record")

// Record is the first-boot record, JSON in <stateDir>/launch.json.
type Record struct {
	Version  int       `json:"version"`
	Launch   time.Time `json:"launch"`   // the start of the instance's first boot
	BootID   string    `json:"bootID"`   // the boot that wrote BootTime
	BootTime time.Time `json:"bootTime"` // that boot's start: instance time is BootTime + CLOCK_BOOTTIME
	Boots    int       `json:"boots"`    // how many boots the instance has had
	LastSeen time.Time `json:"lastSeen"` // the latest instance time written: a new boot starts no earlier
}

// LaunchSource says where the launch time came from.
type LaunchSource string

// The launch sources.
const (
	FromConfig    LaunchSource = "config"     // lifecycle.launchTime
	FromRecord    LaunchSource = "record"     // the first-boot record of an earlier start
	FromFirstBoot LaunchSource = "first-boot" // this start wrote the record
)

// MaxLaunchSkew is how much later than the first boot a configured launch
// time may be (clocks differ a little); more would lengthen the lifetime.
const MaxLaunchSkew = time.Hour

// CheckpointEvery is how often the daemon should call Instance.Checkpoint.
const CheckpointEvery = 10 * time.Minute

// Instance is what the daemon knows about its instance's time.
type Instance struct {
	Launch time.Time
	Source LaunchSource
	Clock  *InstanceClock
	Record Record
	dir    string
}

// OpenInstance reads the first-boot record in stateDir, or writes it on the
// first start, and returns the launch time and the instance clock.
// configured, when not zero, is the launch time from the configuration and
// wins over the record. On a new boot the record's boot anchor moves on,
// never back before the last instance time the record holds.
func OpenInstance(stateDir string, configured time.Time, src BootSource) (Instance, error) {
	bootID, err := src.BootID()
	if err != nil {
		return Instance{}, err
	}
	since := src.SinceBoot()
	bootStart := src.Wall().Add(-since).UTC()
	rec, err := readRecord(filepath.Join(stateDir, RecordFile))
	source := FromRecord
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rec, source = firstBoot(bootID, bootStart, since), FromFirstBoot
		err = writeRecord(stateDir, rec)
	case err != nil:
		return Instance{}, err
	case rec.BootID != bootID:
		rec = nextBoot(rec, bootID, bootStart, since)
		err = writeRecord(stateDir, rec)
	}
	if err != nil {
		return Instance{}, err
	}
	in := Instance{Launch: rec.Launch, Source: source, Clock: NewInstanceClock(rec.BootTime, src), Record: rec, dir: stateDir}
	if !configured.IsZero() {
		if configured.After(rec.Launch.Add(MaxLaunchSkew)) {
			return Instance{}, fmt.Errorf("%slaunchTime: %s is later than this instance's first boot at %s (%s): "+
				"an instance cannot boot before its launch", configPrefix, configured.UTC().Format(time.RFC3339),
				rec.Launch.Format(time.RFC3339), filepath.Join(stateDir, RecordFile))
		}
		in.Launch, in.Source = configured.UTC(), FromConfig
	}
	return in, nil
}

// firstBoot is the record of an instance whose first boot started at
// bootStart.
func firstBoot(bootID string, bootStart time.Time, since time.Duration) Record {
	return Record{Version: recordVersion, Launch: bootStart, BootID: bootID, BootTime: bootStart,
		Boots: 1, LastSeen: bootStart.Add(since)}
}

// Checkpoint writes the instance time now into the record, so that a
// reboot with the wall clock set back resumes no earlier than it. Call it
// every CheckpointEvery; a reboot can then gain at most that much, plus
// the time the instance was down if the wall clock lost it.
func (in *Instance) Checkpoint() error {
	rec := in.Record
	rec.LastSeen = in.Clock.Now()
	if err := writeRecord(in.dir, rec); err != nil {
		return err
	}
	in.Record = rec
	return nil
}

// nextBoot moves the record's anchor to a new boot, which starts no
// earlier than the last instance time the record saw.
func nextBoot(rec Record, bootID string, bootStart time.Time, sinceBoot time.Duration) Record {
	if floor := rec.LastSeen.Add(-sinceBoot); bootStart.Before(floor) {
		bootStart = floor // the wall clock went back across the reboot
	}
	rec.BootID, rec.BootTime, rec.LastSeen = bootID, bootStart, bootStart.Add(sinceBoot)
	rec.Boots++
	return rec
}

func readRecord(path string) (Record, error) {
	var rec Record
	err := readJSON(path, &rec)
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, fmt.Errorf("read first-boot record: %w", err)
	}
	if err != nil {
		return Record{}, fmt.Errorf("%w %s: %w", ErrCorruptRecord, path, err)
	}
	if err := rec.check(); err != nil {
		return Record{}, fmt.Errorf("%w %s: %w", ErrCorruptRecord, path, err)
	}
	return rec, nil
}

func (r Record) check() error {
	switch {
	case r.Version != recordVersion:
		return fmt.Errorf("version %d, want %d", r.Version, recordVersion)
	case r.Launch.IsZero():
		return errors.New("no launch time")
	case r.BootID == "":
		return errors.New("no boot id")
	case r.BootTime.Before(r.Launch):
		return errors.New("boot time before launch")
	case r.Boots < 1:
		return errors.New("boots less than 1")
	case r.LastSeen.Before(r.BootTime):
		return errors.New("last seen before boot time")
	}
	return nil
}

func writeRecord(dir string, rec Record) error {
	if err := writeJSON(dir, RecordFile, rec); err != nil {
		return fmt.Errorf("write first-boot record: %w", err)
	}
	return nil
}

// writeJSON replaces dir/name atomically with v as JSON: temporary file,
// fsync, rename, fsync of the folder.
func writeJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := writeSync(tmp, append(b, '\n')); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// readJSON reads dir/name strictly into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func writeSync(f *os.File, b []byte) error {
	_, err := f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
