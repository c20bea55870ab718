//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * No shell in the host context (the initial mount namespace, in a cgroup
 * that is not a registered container): code runs only from files on
 * protected filesystems, and never from a denylisted program (by inode)
 * unless the cgroup is allowlisted. bprm_check_security sees the program
 * and each script interpreter; mmap_file and file_mprotect see code
 * mapped by a dynamic loader (ld.so /tmp/prog) or from a memfd. Included
 * by moat.c.
 */

static __always_inline int host_code(struct file *file, __u32 hook)
{
	struct inode *inode;
	struct inode_key k = {};
	__u64 cg;

	if (!in_host_ns())
		return 0;
	cg = bpf_get_current_cgroup_id();
	if (bpf_map_lookup_elem(&moat_containers, &cg))
		return 0;
	inode = file->f_inode;
	k.dev = inode->i_sb->s_dev;
	k.ino = inode->i_ino;
	if (!protected_dev(k.dev))
		return decide(mode_exec, RULE_EXEC_UNPROTECTED, hook, inode,
			      file->f_path.dentry, NULL, 0, 0);
	if (!bpf_map_lookup_elem(&moat_deny_exec, &k) || bpf_map_lookup_elem(&moat_exec_cgrp, &cg))
		return 0;
	return decide(mode_exec, RULE_EXEC_DENYLIST, hook, inode, file->f_path.dentry, NULL, 0, 0);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(moat_bprm_check, struct linux_binprm *bprm, int ret)
{
	if (ret || mode_exec == MODE_OFF)
		return ret;
	return host_code(bprm->file, HOOK_BPRM_CHECK);
}

SEC("lsm/mmap_file")
int BPF_PROG(moat_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !(prot & PROT_EXEC) || !file || mode_exec == MODE_OFF)
		return ret;
	return host_code(file, HOOK_MMAP_FILE);
}

SEC("lsm/file_mprotect")
int BPF_PROG(moat_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;

	if (ret || !(prot & PROT_EXEC) || mode_exec == MODE_OFF)
		return ret;
	file = vma->vm_file;
	if (!file)
		return 0;
	return host_code(file, HOOK_FILE_MPROTECT);
}
