/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What moat's programs share with each other and with Go: the audit event,
 * the map keys, and the rule, hook and mode numbers. Go reads these types
 * from bpf2go's output (-type), never from a hand copy.
 */
#ifndef MOAT_H
#define MOAT_H

enum mode {
	MODE_OFF = 0,
	MODE_AUDIT = 1,
	MODE_ENFORCE = 2,
};

enum rule {
	RULE_NONE = 0,
	RULE_ROOT_WRITE = 1,      /* write to a protected filesystem */
	RULE_ROOT_MOUNT = 2,      /* remount rw, over-mount, bind remount rw */
	RULE_ROOT_BDEV = 3,       /* write open of a protected block device */
	RULE_EXEC_UNPROTECTED = 4, /* host exec of a file off protected filesystems */
	RULE_EXEC_DENYLIST = 5,   /* host exec of a denylisted program */
	RULE_CAP = 6,             /* capability outside the container's set */
	RULE_CAP_BPF = 7,         /* bpf() from a container without CAP_BPF */
	RULE_TAMPER_BPF = 8,      /* touching moat's maps, programs or links */
	RULE_TAMPER_FILE = 9,     /* unlink or rename of moat's pins or state */
	RULE_TAMPER_PTRACE = 10,  /* ptrace of the daemon */
	RULE_TAMPER_SIGNAL = 11,  /* a signal to the daemon */
	RULE_TAMPER_KERNEL = 12,  /* kernel module or kexec load */
	RULE_MAX = 13,
};

enum hook {
	HOOK_FILE_OPEN = 1,
	HOOK_INODE_CREATE = 2,
	HOOK_INODE_MKDIR = 3,
	HOOK_INODE_MKNOD = 4,
	HOOK_INODE_SYMLINK = 5,
	HOOK_INODE_LINK = 6,
	HOOK_INODE_UNLINK = 7,
	HOOK_INODE_RMDIR = 8,
	HOOK_INODE_RENAME = 9,
	HOOK_INODE_SETATTR = 10,
	HOOK_INODE_SETXATTR = 11,
	HOOK_INODE_REMOVEXATTR = 12,
	HOOK_FILE_IOCTL = 13,
	HOOK_SB_MOUNT = 14,
	HOOK_MOVE_MOUNT = 15,
	HOOK_BPRM_CHECK = 16,
	HOOK_CAPABLE = 17,
	HOOK_BPF = 18,
	HOOK_BPF_MAP = 19,
	HOOK_BPF_PROG = 20,
	HOOK_PTRACE = 21,
	HOOK_TASK_KILL = 22,
	HOOK_KERNEL_READ_FILE = 23,
	HOOK_KERNEL_LOAD_DATA = 24,
	HOOK_MMAP_FILE = 25,
	HOOK_FILE_MPROTECT = 26,
};

enum action {
	ACTION_DENIED = 1,
	ACTION_AUDITED = 2,
};

/* One audit event: a denial, or what would have been one in audit mode. */
struct event {
	__u64 time_ns;    /* CLOCK_BOOTTIME */
	__u64 cgroup_id;  /* cgroup v2 id of the acting task */
	__u64 target_ino; /* inode of the target file, if any */
	__s64 arg;        /* capability, signal, bpf command or mount flags */
	__u32 target_dev; /* kernel dev_t of the target file's superblock */
	__u32 target_pid; /* target task (signal, ptrace) */
	enum rule rule;
	enum hook hook;
	enum action action;
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	char comm[16];
	char name[256];   /* target path from its filesystem's root, or object name; best effort */
};

/* A file named by its superblock's kernel dev_t and inode number. */
struct inode_key {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

/* The registered daemon; tgid 0 means none. */
struct daemon {
	__u32 tgid;
	__u32 exe_dev;
	__u64 exe_ino;
};

/* Per-CPU rate-limit window of one rule. */
struct rate {
	__u64 window_ns;
	__u64 count;
};

enum drop {
	DROP_RATE_LIMIT = 0,
	DROP_RING_FULL = 1,
	DROP_MAX = 2,
};

#endif
