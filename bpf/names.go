package bpf

import "fmt"

var ruleNames = map[moatRule]string{
	RuleRootWrite:        "root-write",
	RuleRootMount:        "root-mount",
	RuleRootBlockDevice:  "root-block-device",
	RuleExecUnprotected:  "exec-unprotected",
	RuleExecDenylist:     "exec-denylist",
	RuleCapability:       "capability",
	RuleCapabilityBPF:    "capability-bpf",
	RuleTamperBPF:        "tamper-bpf",
	RuleTamperFile:       "tamper-file",
	RuleTamperPtrace:     "tamper-ptrace",
	RuleTamperSignal:     "tamper-signal",
	RuleTamperKernelLoad: "tamper-kernel-load",
}

func (r moatRule) String() string { return name(ruleNames, r, "Rule") }

var hookNames = map[moatHook]string{
	moatHookHOOK_FILE_OPEN: "file_open", moatHookHOOK_INODE_CREATE: "inode_create",
	moatHookHOOK_INODE_MKDIR: "inode_mkdir", moatHookHOOK_INODE_MKNOD: "inode_mknod",
	moatHookHOOK_INODE_SYMLINK: "inode_symlink", moatHookHOOK_INODE_LINK: "inode_link",
	moatHookHOOK_INODE_UNLINK: "inode_unlink", moatHookHOOK_INODE_RMDIR: "inode_rmdir",
	moatHookHOOK_INODE_RENAME: "inode_rename", moatHookHOOK_INODE_SETATTR: "inode_setattr",
	moatHookHOOK_INODE_SETXATTR: "inode_setxattr", moatHookHOOK_INODE_REMOVEXATTR: "inode_removexattr",
	moatHookHOOK_FILE_IOCTL: "file_ioctl", moatHookHOOK_SB_MOUNT: "sb_mount",
	moatHookHOOK_MOVE_MOUNT: "move_mount", moatHookHOOK_BPRM_CHECK: "bprm_check_security",
	moatHookHOOK_CAPABLE: "capable", moatHookHOOK_BPF: "bpf", moatHookHOOK_BPF_MAP: "bpf_map",
	moatHookHOOK_BPF_PROG: "bpf_prog", moatHookHOOK_PTRACE: "ptrace_access_check",
	moatHookHOOK_TASK_KILL: "task_kill", moatHookHOOK_KERNEL_READ_FILE: "kernel_read_file",
	moatHookHOOK_KERNEL_LOAD_DATA: "kernel_load_data", moatHookHOOK_MMAP_FILE: "mmap_file",
	moatHookHOOK_FILE_MPROTECT: "file_mprotect",
}

func (h moatHook) String() string { return name(hookNames, h, "Hook") }

func (a moatAction) String() string {
	return name(map[moatAction]string{ActionDenied: "denied", ActionAudited: "audited"}, a, "Action")
}

func name[K ~uint32](names map[K]string, k K, kind string) string {
	if n, ok := names[k]; ok {
		return n
	}
	return fmt.Sprintf("%s(%d)", kind, uint32(k))
}
