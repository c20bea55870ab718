//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * No shell in the host context (the initial mount namespace, in a cgroup
 * that is not a registered container): exec only of files on protected
 * filesystems, and never of a denylisted program (by inode) unless the
 * cgroup is allowlisted. bprm_check_security runs for the program and
 * again for each script interpreter. Included by moat.c.
 */

SEC("lsm/bprm_check_security")
int BPF_PROG(moat_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct inode *inode;
	struct inode_key k = {};
	__u64 cg;

	if (ret || mode_exec == MODE_OFF || !in_host_mntns())
		return ret;
	cg = bpf_get_current_cgroup_id();
	if (bpf_map_lookup_elem(&moat_containers, &cg))
		return 0;
	inode = bprm->file->f_inode;
	k.dev = inode->i_sb->s_dev;
	k.ino = inode->i_ino;
	if (!protected_dev(k.dev))
		return decide(mode_exec, RULE_EXEC_UNPROTECTED, HOOK_BPRM_CHECK, inode,
			      dname(bprm->file->f_path.dentry), 0, 0);
	if (!bpf_map_lookup_elem(&moat_deny_exec, &k) || bpf_map_lookup_elem(&moat_exec_cgrp, &cg))
		return 0;
	return decide(mode_exec, RULE_EXEC_DENYLIST, HOOK_BPRM_CHECK, inode,
		      dname(bprm->file->f_path.dentry), 0, 0);
}
