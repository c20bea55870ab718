//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * moat's BPF LSM programs: one compilation unit, so that every program
 * shares one set of maps, built from one file per concern (root.c,
 * exec.c, caps.c, tamper.c) that this file includes.
 */
#include "headers/kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "moat.h"

/* Load-time settings, set by the Go loader on the spec. */
const volatile enum mode mode_root = MODE_OFF;
const volatile enum mode mode_exec = MODE_OFF;
const volatile enum mode mode_caps = MODE_OFF;
const volatile enum mode mode_tamper = MODE_OFF;
const volatile __u32 host_mntns = 0;      /* inode of PID 1's mount namespace */
const volatile __u64 default_caps = 0;    /* the runtime's default capability set */
const volatile __u64 rate_per_sec = 100;  /* events per rule, second and CPU */
const volatile bool host_subtrees = false; /* moat_host_cgrp has entries */

/* Run-time data, pinned under /sys/fs/bpf/moat/maps. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_MAX);
	__type(key, enum drop);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RULE_MAX);
	__type(key, enum rule);
	__type(value, struct rate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_rates SEC(".maps");

/* Protected superblocks, by kernel dev_t. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_sbs SEC(".maps");

/* Block devices that back a protected filesystem, by kernel dev_t. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_bdevs SEC(".maps");

/* Directories of protected filesystems that may be mounted over. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct inode_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_mnt_allow SEC(".maps");

/* Programs that never run in the host context, by inode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct inode_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_deny_exec SEC(".maps");

/* Host cgroups that may run denylisted programs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_exec_cgrp SEC(".maps");

/* Host cgroup subtrees (systemd's system.slice): their tasks are host
 * context even in a private mount namespace (PrivateTmp=, ProtectSystem=). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_host_cgrp SEC(".maps");

/* Registered containers: cgroup id -> opt-in capability mask. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_containers SEC(".maps");

/* Container runtimes (runc) by inode: they set containers up before
 * registration and enter them for exec, so the capability gate spares them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct inode_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_runtime SEC(".maps");

/* The daemon (one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct daemon);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_daemon SEC(".maps");

/* Folders only the daemon may unlink or rename in: pins and state. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct inode_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} moat_guarded SEC(".maps");

/* Keep the event type in the BTF for bpf2go -type. */
const struct event *unused_event __attribute__((unused));

static __always_inline bool rate_ok(__u32 rule)
{
	struct rate *r = bpf_map_lookup_elem(&moat_rates, &rule);
	__u64 now = bpf_ktime_get_boot_ns();

	if (!r)
		return false;
	if (now - r->window_ns > 1000000000ULL) {
		r->window_ns = now;
		r->count = 0;
	}
	if (r->count >= rate_per_sec)
		return false;
	r->count++;
	return true;
}

static __always_inline void count_drop(__u32 why)
{
	__u64 *n = bpf_map_lookup_elem(&moat_drops, &why);

	if (n)
		(*n)++;
}

#define PATH_DEPTH 8

/*
 * fill_path writes d's path from its filesystem's root, best effort: at
 * most PATH_DEPTH components of up to 63 bytes and 190 bytes in all, with
 * a leading "..." when cut. Mount points are not crossed.
 */
static __always_inline void fill_path(struct event *e, struct dentry *d)
{
	const unsigned char *names[PATH_DEPTH] = {};
	struct dentry *parent;
	__u32 depth = 0, pos = 0;

#pragma unroll
	for (int i = 0; i < PATH_DEPTH; i++) {
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d)
			break;
		names[i] = BPF_CORE_READ(d, d_name.name);
		depth = i + 1;
		d = parent;
	}
	if (depth == PATH_DEPTH && BPF_CORE_READ(d, d_parent) != d) {
		__builtin_memcpy(e->name, "...", 3);
		pos = 3;
	}
#pragma unroll
	for (int i = PATH_DEPTH - 1; i >= 0; i--) {
		long n;

		if (i >= depth)
			continue;
		e->name[pos & 127] = '/';
		pos++;
		n = bpf_probe_read_kernel_str(&e->name[pos & 127], 64, names[i]);
		if (n > 1)
			pos += n - 1;
	}
	if (depth == 0) { /* a root, or a pseudo file such as a memfd: its own name */
		bpf_probe_read_kernel_str(e->name, 64, BPF_CORE_READ(d, d_name.name));
		return;
	}
	e->name[pos & 255] = 0;
}

/*
 * report emits one event. inode, d (whose path is reported) and name (an
 * object's name, used when d is NULL) are the target, best effort: any
 * may be NULL.
 */
static __always_inline void report(__u32 action, __u32 rule, __u32 hook, struct inode *inode,
				   struct dentry *d, const void *name, __s64 arg, __u32 target_pid)
{
	struct event *e;
	__u64 id;

	if (!rate_ok(rule)) {
		count_drop(DROP_RATE_LIMIT);
		return;
	}
	e = bpf_ringbuf_reserve(&moat_events, sizeof(*e), 0);
	if (!e) {
		count_drop(DROP_RING_FULL);
		return;
	}
	id = bpf_get_current_pid_tgid();
	e->time_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->target_ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	e->target_dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : 0;
	e->arg = arg;
	e->target_pid = target_pid;
	e->rule = rule;
	e->hook = hook;
	e->action = action;
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->name[0] = 0;
	if (d)
		fill_path(e, d);
	else if (name)
		bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
	bpf_ringbuf_submit(e, 0);
}

/* decide turns a rule match into the family's verdict, with its event. */
static __always_inline int decide(__u32 mode, __u32 rule, __u32 hook, struct inode *inode,
				  struct dentry *d, const void *name, __s64 arg, __u32 target_pid)
{
	if (mode == MODE_OFF)
		return 0;
	report(mode == MODE_ENFORCE ? ACTION_DENIED : ACTION_AUDITED, rule, hook, inode, d, name,
	       arg, target_pid);
	return mode == MODE_ENFORCE ? -EPERM : 0;
}

static __always_inline bool protected_dev(__u32 dev)
{
	return bpf_map_lookup_elem(&moat_sbs, &dev) != NULL;
}

/* protected_sb is the hot-path test: sb must be a trusted (BTF) pointer. */
static __always_inline bool protected_sb(struct super_block *sb)
{
	return protected_dev(sb->s_dev);
}

static __always_inline bool in_host_mntns(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return t->nsproxy->mnt_ns->ns.inum == host_mntns;
}

/* in_host_subtree says whether the current cgroup lies in a host subtree. */
static __always_inline bool in_host_subtree(void)
{
	if (!host_subtrees)
		return false;
	for (int level = 1; level <= 6; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);

		if (!id)
			return false;
		if (bpf_map_lookup_elem(&moat_host_cgrp, &id))
			return true;
	}
	return false;
}

/* in_host_ns: the initial mount namespace, or a host subtree. */
static __always_inline bool in_host_ns(void)
{
	return in_host_mntns() || in_host_subtree();
}

/* container_caps returns the registered opt-in mask of the current cgroup. */
static __always_inline __u64 *container_caps(void)
{
	__u64 cg = bpf_get_current_cgroup_id();

	return bpf_map_lookup_elem(&moat_containers, &cg);
}

#include "root.c"
#include "exec.c"
#include "caps.c"
#include "tamper.c"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
