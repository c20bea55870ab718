//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Empty programs on exactly the LSM hooks moat attaches (bpf/root.c, exec.c,
 * caps.c, tamper.c): the physical limit of BPF LSM, the baseline that moat's
 * real programs are measured against. Each returns 0 and touches nothing.
 */
#include "headers/kernel.h"
#include <bpf/bpf_helpers.h>

SEC("lsm/file_open")
int empty_file_open(void *ctx)
{
	return 0;
}

SEC("lsm/inode_create")
int empty_inode_create(void *ctx)
{
	return 0;
}

SEC("lsm/inode_mkdir")
int empty_inode_mkdir(void *ctx)
{
	return 0;
}

SEC("lsm/inode_mknod")
int empty_inode_mknod(void *ctx)
{
	return 0;
}

SEC("lsm/inode_symlink")
int empty_inode_symlink(void *ctx)
{
	return 0;
}

SEC("lsm/inode_link")
int empty_inode_link(void *ctx)
{
	return 0;
}

SEC("lsm/inode_unlink")
int empty_inode_unlink(void *ctx)
{
	return 0;
}

SEC("lsm/inode_rmdir")
int empty_inode_rmdir(void *ctx)
{
	return 0;
}

SEC("lsm/inode_rename")
int empty_inode_rename(void *ctx)
{
	return 0;
}

SEC("lsm/inode_setattr")
int empty_inode_setattr(void *ctx)
{
	return 0;
}

SEC("lsm/inode_setxattr")
int empty_inode_setxattr(void *ctx)
{
	return 0;
}

SEC("lsm/inode_removexattr")
int empty_inode_removexattr(void *ctx)
{
	return 0;
}

SEC("lsm/file_ioctl")
int empty_file_ioctl(void *ctx)
{
	return 0;
}

SEC("lsm/sb_mount")
int empty_sb_mount(void *ctx)
{
	return 0;
}

SEC("lsm/move_mount")
int empty_move_mount(void *ctx)
{
	return 0;
}

SEC("lsm/bprm_check_security")
int empty_bprm_check_security(void *ctx)
{
	return 0;
}

SEC("lsm/mmap_file")
int empty_mmap_file(void *ctx)
{
	return 0;
}

SEC("lsm/file_mprotect")
int empty_file_mprotect(void *ctx)
{
	return 0;
}

SEC("lsm/capable")
int empty_capable(void *ctx)
{
	return 0;
}

SEC("lsm/bpf")
int empty_bpf(void *ctx)
{
	return 0;
}

SEC("lsm/bpf_map")
int empty_bpf_map(void *ctx)
{
	return 0;
}

SEC("lsm/bpf_prog")
int empty_bpf_prog(void *ctx)
{
	return 0;
}

SEC("lsm/ptrace_access_check")
int empty_ptrace_access_check(void *ctx)
{
	return 0;
}

SEC("lsm/task_kill")
int empty_task_kill(void *ctx)
{
	return 0;
}

SEC("lsm/kernel_read_file")
int empty_kernel_read_file(void *ctx)
{
	return 0;
}

SEC("lsm/kernel_load_data")
int empty_kernel_load_data(void *ctx)
{
	return 0;
}

SEC("lsm/task_free")
int empty_task_free(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
