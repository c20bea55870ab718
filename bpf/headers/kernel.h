/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel types moat's programs read, trimmed to the fields they use.
 * preserve_access_index makes every field access a CO-RE relocation that
 * libbpf-style loaders (cilium/ebpf) fix up against the running kernel's
 * BTF, so no full vmlinux.h is needed and field offsets are never guessed.
 */
#ifndef MOAT_KERNEL_H
#define MOAT_KERNEL_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u32 dev_t;
typedef unsigned short umode_t;
typedef _Bool bool;
#define true 1
#define false 0

#define EPERM 1
#define EACCES 13

/* uapi values, stable across kernels */
enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum { BPF_ANY = 0 };
enum { BPF_LINK_UPDATE = 29, BPF_LINK_DETACH = 34 };

#define FMODE_WRITE 0x2
#define PROT_EXEC 0x4
#define S_IFMT 00170000
#define S_IFBLK 0060000
#define MS_RDONLY 1
#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_MOVE 8192
#define MS_UNBINDABLE (1 << 17)
#define MS_PRIVATE (1 << 18)
#define MS_SLAVE (1 << 19)
#define MS_SHARED (1 << 20)
#define CAP_OPT_NOAUDIT (1 << 1)
#define CAP_BPF 39
#define FS_IOC_SETFLAGS 0x40086602
#define FS_IOC_FSSETXATTR 0x401c5820

/* enum kernel_read_file_id and kernel_load_data_id (include/linux/kernel_read_file.h) */
#define READING_MODULE 2
#define READING_KEXEC_IMAGE 3
#define READING_KEXEC_INITRAMFS 4
#define LOADING_MODULE 2
#define LOADING_KEXEC_IMAGE 3
#define LOADING_KEXEC_INITRAMFS 4

union bpf_attr;
struct kernel_siginfo;
struct iattr;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct super_block {
	dev_t s_dev;
	unsigned long s_magic;
};

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	dev_t i_rdev;
	struct super_block *i_sb;
};

struct qstr {
	const unsigned char *name;
};

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
	struct super_block *d_sb;
};

struct vfsmount {
	struct super_block *mnt_sb;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_mode;
	void *private_data;
};

struct vm_area_struct {
	struct file *vm_file;
};

struct linux_binprm {
	struct file *file;
};

typedef struct {
	unsigned int val;
} kuid_t;

struct cred {
	kuid_t uid;
};

struct user_namespace {
	int level;
};

struct ns_common {
	unsigned int inum;
};

struct mnt_namespace {
	struct ns_common ns;
};

struct nsproxy {
	struct mnt_namespace *mnt_ns;
};

struct mm_struct {
	struct file *exe_file;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct task_struct {
	int pid;
	int tgid;
	struct mm_struct *mm;
	struct files_struct *files;
	struct nsproxy *nsproxy;
	char comm[16];
};

struct bpf_prog_aux {
	__u32 id;
	char name[16];
};

struct bpf_prog {
	struct bpf_prog_aux *aux;
};

struct bpf_map {
	__u32 id;
	char name[16];
};

struct bpf_link {
	__u32 id;
	struct bpf_prog *prog;
};

#pragma clang attribute pop

#endif
