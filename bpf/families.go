package bpf

// family is a rule family: its mode picks whether its programs attach.
type family int

const (
	famRoot family = iota
	famExec
	famCaps
	famTamper
)

// programFamilies says which families each program serves; a program
// attaches when one of them is not off.
var programFamilies = map[string][]family{
	moatProgMoatFileOpen:     {famRoot},
	moatProgMoatInodeCreate:  {famRoot},
	moatProgMoatInodeMkdir:   {famRoot},
	moatProgMoatInodeMknod:   {famRoot},
	moatProgMoatInodeSymlink: {famRoot},
	moatProgMoatInodeLink:    {famRoot},
	moatProgMoatInodeUnlink:  {famRoot, famTamper},
	moatProgMoatInodeRmdir:   {famRoot, famTamper},
	moatProgMoatInodeRename:  {famRoot, famTamper},
	moatProgMoatInodeSetattr: {famRoot},
	moatProgMoatSetxattr:     {famRoot},
	moatProgMoatRemovexattr:  {famRoot},
	moatProgMoatFileIoctl:    {famRoot},
	moatProgMoatSbMount:      {famRoot},
	moatProgMoatMoveMount:    {famRoot},
	moatProgMoatBprmCheck:    {famExec},
	moatProgMoatMmapFile:     {famExec},
	moatProgMoatFileMprotect: {famExec},
	moatProgMoatCapable:      {famCaps},
	moatProgMoatBpf:          {famCaps, famTamper},
	moatProgMoatBpfMap:       {famTamper},
	moatProgMoatBpfProg:      {famTamper},
	moatProgMoatPtrace:       {famTamper},
	moatProgMoatTaskKill:     {famTamper},
	moatProgMoatKernelRead:   {famTamper},
	moatProgMoatKernelLoad:   {famTamper},
	moatProgMoatTaskFree:     {famTamper},
}

func (c Config) mode(f family) Mode {
	return [...]Mode{c.Root, c.Exec, c.Caps, c.Tamper}[f]
}

// wanted says whether the program named name attaches under c.
func (c Config) wanted(name string) bool {
	for _, f := range programFamilies[name] {
		if c.mode(f) != ModeOff {
			return true
		}
	}
	return false
}
