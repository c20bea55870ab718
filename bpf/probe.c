//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The probe: the smallest program that proves BPF LSM enforces on this
 * kernel. It refuses to open one file, named by device and inode number.
 */
#include "headers/kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 probe_dev = 0; /* the kernel's dev_t: major << 20 | minor */
const volatile __u64 probe_ino = 0;

SEC("lsm/file_open")
int BPF_PROG(probe_file_open, struct file *file, int ret)
{
	struct inode *inode;

	if (ret)
		return ret;
	inode = file->f_inode;
	if (inode->i_ino != probe_ino || inode->i_sb->s_dev != probe_dev)
		return 0;
	return -EPERM;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
