//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Self-protection: only the daemon (its tgid in moat_daemon) may touch
 * moat's maps, programs and links (all named moat_*; a runtime executable
 * may open moat_containers to register containers) or unlink and rename
 * in its folders; nobody ptraces it; signals to it come only from PID 1
 * or itself; no kernel module or kexec image loads. When the daemon is
 * gone (task_free clears its tgid), a process running the daemon's
 * executable may take its place. Included by moat.c.
 */

static __always_inline struct daemon *daemon_slot(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&moat_daemon, &zero);
}

static __always_inline bool is_daemon(void)
{
	struct daemon *d = daemon_slot();
	struct task_struct *t;
	struct inode *exe;

	if (!d)
		return false;
	if (d->tgid)
		return d->tgid == bpf_get_current_pid_tgid() >> 32;
	t = bpf_get_current_task_btf();
	exe = t->mm->exe_file->f_inode;
	return d->exe_ino && exe->i_ino == d->exe_ino && exe->i_sb->s_dev == d->exe_dev;
}

static __always_inline bool is_daemon_task(struct task_struct *p)
{
	struct daemon *d = daemon_slot();

	return d && d->tgid && p->tgid == d->tgid;
}

static __always_inline bool guarded_dir(struct inode *dir)
{
	struct inode_key k = {};

	if (!dir)
		return false;
	k.dev = dir->i_sb->s_dev;
	k.ino = dir->i_ino;
	return bpf_map_lookup_elem(&moat_guarded, &k) != NULL;
}

static __always_inline bool moat_name(const char *n)
{
	return n[0] == 'm' && n[1] == 'o' && n[2] == 'a' && n[3] == 't' && n[4] == '_';
}

/* moat_link_fd says whether fd (in the caller's table) is a link to a moat program. */
static __always_inline bool moat_link_fd(__u32 fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	char kind[9] = {}, prog[6] = {};
	struct bpf_prog_aux *aux;
	struct file **fds;
	struct file *f = NULL;
	struct bpf_link *l;

	if (fd >= BPF_CORE_READ(t, files, fdt, max_fds))
		return false;
	fds = BPF_CORE_READ(t, files, fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return false;
	bpf_probe_read_kernel_str(kind, sizeof(kind), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (kind[0] != 'b' || kind[3] != '-' || kind[4] != 'l' || kind[7] != 'k')
		return false; /* not "bpf-link" (anon inode name of link files) */
	l = BPF_CORE_READ(f, private_data);
	aux = BPF_CORE_READ(l, prog, aux);
	bpf_core_read(prog, 5, &aux->name);
	return moat_name(prog);
}

SEC("lsm/bpf")
int BPF_PROG(moat_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	__u32 fd = 0;

	if (ret)
		return ret;
	ret = caps_bpf(cmd);
	if (ret || mode_tamper == MODE_OFF)
		return ret;
	if (cmd != BPF_LINK_DETACH && cmd != BPF_LINK_UPDATE)
		return 0;
	bpf_probe_read_kernel(&fd, sizeof(fd), attr); /* link_fd leads both */
	if (!moat_link_fd(fd) || is_daemon())
		return 0;
	return decide(mode_tamper, RULE_TAMPER_BPF, HOOK_BPF, NULL, NULL, NULL, cmd, 0);
}

/* registry says whether a map is moat_containers, which runtimes may open. */
static __always_inline bool registry(const char *n)
{
	const char want[] = "moat_containers";

#pragma unroll
	for (int i = 0; i < sizeof(want); i++)
		if (n[i] != want[i])
			return false;
	return true;
}

SEC("lsm/bpf_map")
int BPF_PROG(moat_bpf_map, struct bpf_map *map, unsigned int fmode, int ret)
{
	if (ret || !moat_name(map->name) || is_daemon())
		return ret;
	if (registry(map->name) && runtime_exe())
		return 0; /* the runtime wrapper registers containers itself */
	return decide(mode_tamper, RULE_TAMPER_BPF, HOOK_BPF_MAP, NULL, NULL, map->name, map->id, 0);
}

SEC("lsm/bpf_prog")
int BPF_PROG(moat_bpf_prog, struct bpf_prog *p, int ret)
{
	if (ret || !moat_name(p->aux->name) || is_daemon())
		return ret;
	return decide(mode_tamper, RULE_TAMPER_BPF, HOOK_BPF_PROG, NULL, NULL, p->aux->name, p->aux->id, 0);
}

/* The kernel's probes (PTRACE_MODE_NOAUDIT, e.g. which fields of
 * /proc/PID/stat ps may see) are refused without an event: every ps or
 * top on the instance would otherwise be reported as an attack. */
#define PTRACE_MODE_NOAUDIT 0x04

SEC("lsm/ptrace_access_check")
int BPF_PROG(moat_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret || !is_daemon_task(child) || is_daemon())
		return ret;
	if (mode & PTRACE_MODE_NOAUDIT)
		return mode_tamper == MODE_ENFORCE ? -EPERM : 0;
	return decide(mode_tamper, RULE_TAMPER_PTRACE, HOOK_PTRACE, NULL, NULL, child->comm, mode,
		      child->tgid);
}

SEC("lsm/task_kill")
int BPF_PROG(moat_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	__u32 tgid;

	if (ret || sig == 0 || !is_daemon_task(p))
		return ret;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == 1 || tgid == p->tgid)
		return 0;
	return decide(mode_tamper, RULE_TAMPER_SIGNAL, HOOK_TASK_KILL, NULL, NULL, p->comm, sig, p->tgid);
}

SEC("lsm/kernel_read_file")
int BPF_PROG(moat_kernel_read, struct file *file, int id, bool contents, int ret)
{
	if (ret || (id != READING_MODULE && id != READING_KEXEC_IMAGE &&
		    id != READING_KEXEC_INITRAMFS))
		return ret;
	return decide(mode_tamper, RULE_TAMPER_KERNEL, HOOK_KERNEL_READ_FILE, file->f_inode,
		      file->f_path.dentry, NULL, id, 0);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(moat_kernel_load, int id, bool contents, int ret)
{
	if (ret || (id != LOADING_MODULE && id != LOADING_KEXEC_IMAGE &&
		    id != LOADING_KEXEC_INITRAMFS))
		return ret;
	return decide(mode_tamper, RULE_TAMPER_KERNEL, HOOK_KERNEL_LOAD_DATA, NULL, NULL, NULL, id, 0);
}

/* task_free frees the daemon's slot when its thread-group leader goes. */
SEC("lsm/task_free")
int BPF_PROG(moat_task_free, struct task_struct *task)
{
	struct daemon *d = daemon_slot();

	if (d && d->tgid && task->pid == d->tgid)
		d->tgid = 0;
	return 0;
}
