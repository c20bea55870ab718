//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Capability gate: a capability checked against the initial user
 * namespace is allowed to a registered container when it is in the
 * default set or the container's opt-in mask, to an unknown container
 * (outside the initial mount namespace, unregistered) only in the default
 * set, and always to the host context and to a container runtime's own
 * executable (runc sets a container up before it is registered, and
 * enters it for exec). bpf() from a container needs CAP_BPF in its set.
 * Included by moat.c.
 */

/* caller_caps returns the capability set of the current task's context. */
static __always_inline __u64 caller_caps(void)
{
	__u64 *mask = container_caps();

	if (mask)
		return default_caps | *mask;
	if (in_host_ns())
		return ~0ULL;
	return default_caps;
}

/* runtime_exe says whether the current task runs a container runtime. */
static __always_inline bool runtime_exe(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct inode *exe = t->mm->exe_file->f_inode;
	struct inode_key k = {};

	k.dev = exe->i_sb->s_dev;
	k.ino = exe->i_ino;
	return bpf_map_lookup_elem(&moat_runtime, &k) != NULL;
}

SEC("lsm/capable")
int BPF_PROG(moat_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	if (ret || ns->level != 0 || cap < 0 || cap > 63)
		return ret;
	if (caller_caps() & (1ULL << cap) || runtime_exe())
		return 0;
	if (opts & CAP_OPT_NOAUDIT)
		return mode_caps == MODE_ENFORCE ? -EPERM : 0;
	return decide(mode_caps, RULE_CAP, HOOK_CAPABLE, NULL, NULL, NULL, cap, 0);
}

static __always_inline int caps_bpf(int cmd)
{
	if (mode_caps == MODE_OFF || caller_caps() & (1ULL << CAP_BPF) || runtime_exe())
		return 0;
	return decide(mode_caps, RULE_CAP_BPF, HOOK_BPF, NULL, NULL, NULL, cmd, 0);
}
