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
typedef _Bool bool;
#define true 1
#define false 0

#define EPERM 1
#define EACCES 13

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct super_block {
	dev_t s_dev;
	unsigned long s_magic;
};

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
};

struct file {
	struct inode *f_inode;
};

#pragma clang attribute pop

#endif
