//go:build ignore
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Immutable root: no write of any kind reaches a protected filesystem.
 * Every program starts with the cheapest test that lets unprotected work
 * through: is this superblock protected? (file_open first asks whether
 * the open writes at all.) Included by moat.c.
 */

/* guarded_dir says whether dir is one of the daemon's folders (tamper.c). */
static __always_inline bool guarded_dir(struct inode *dir);
static __always_inline bool is_daemon(void);

static __always_inline int root_write(__u32 hook, struct inode *dir, struct dentry *d)
{
	return decide(mode_root, RULE_ROOT_WRITE, hook, dir, d, NULL, 0, 0);
}

/* ns_change covers the namespace hooks that also guard the daemon's folders. */
static __always_inline int ns_change(__u32 hook, struct inode *dir, struct dentry *d)
{
	if (protected_sb(dir->i_sb))
		return root_write(hook, dir, d);
	if (mode_tamper == MODE_OFF)
		return 0;
	if ((guarded_dir(dir) || guarded_dir(d->d_inode)) && !is_daemon())
		return decide(mode_tamper, RULE_TAMPER_FILE, hook, dir, d, NULL, 0, 0);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(moat_file_open, struct file *file, int ret)
{
	struct inode *inode;

	if (ret || mode_root == MODE_OFF || !(file->f_mode & FMODE_WRITE))
		return ret;
	inode = file->f_inode;
	if (protected_sb(inode->i_sb))
		return root_write(HOOK_FILE_OPEN, inode, file->f_path.dentry);
	if ((inode->i_mode & S_IFMT) == S_IFBLK) {
		__u32 rdev = inode->i_rdev;

		if (bpf_map_lookup_elem(&moat_bdevs, &rdev))
			return decide(mode_root, RULE_ROOT_BDEV, HOOK_FILE_OPEN, inode,
				      file->f_path.dentry, NULL, 0, 0);
	}
	return 0;
}

SEC("lsm/inode_create")
int BPF_PROG(moat_inode_create, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret || !protected_sb(dir->i_sb))
		return ret;
	return root_write(HOOK_INODE_CREATE, dir, dentry);
}

SEC("lsm/inode_mkdir")
int BPF_PROG(moat_inode_mkdir, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret || !protected_sb(dir->i_sb))
		return ret;
	return root_write(HOOK_INODE_MKDIR, dir, dentry);
}

SEC("lsm/inode_mknod")
int BPF_PROG(moat_inode_mknod, struct inode *dir, struct dentry *dentry, umode_t mode, dev_t dev,
	     int ret)
{
	if (ret || !protected_sb(dir->i_sb))
		return ret;
	return root_write(HOOK_INODE_MKNOD, dir, dentry);
}

SEC("lsm/inode_symlink")
int BPF_PROG(moat_inode_symlink, struct inode *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	if (ret || !protected_sb(dir->i_sb))
		return ret;
	return root_write(HOOK_INODE_SYMLINK, dir, dentry);
}

SEC("lsm/inode_link")
int BPF_PROG(moat_inode_link, struct dentry *old_dentry, struct inode *dir, struct dentry *new_dentry,
	     int ret)
{
	if (ret || !protected_sb(dir->i_sb))
		return ret;
	return root_write(HOOK_INODE_LINK, dir, new_dentry);
}

SEC("lsm/inode_unlink")
int BPF_PROG(moat_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ns_change(HOOK_INODE_UNLINK, dir, dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(moat_inode_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ns_change(HOOK_INODE_RMDIR, dir, dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(moat_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	ret = ns_change(HOOK_INODE_RENAME, old_dir, old_dentry);
	if (ret || old_dir == new_dir)
		return ret;
	return ns_change(HOOK_INODE_RENAME, new_dir, new_dentry);
}

SEC("lsm/inode_setattr")
int BPF_PROG(moat_inode_setattr, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret || !protected_sb(dentry->d_sb))
		return ret;
	return root_write(HOOK_INODE_SETATTR, dentry->d_inode, dentry);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(moat_setxattr, struct user_namespace *mnt_userns, struct dentry *dentry,
	     const char *name, const void *value, __u64 size, int flags, int ret)
{
	if (ret || !protected_sb(dentry->d_sb))
		return ret;
	return root_write(HOOK_INODE_SETXATTR, dentry->d_inode, dentry);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(moat_removexattr, struct user_namespace *mnt_userns, struct dentry *dentry,
	     const char *name, int ret)
{
	if (ret || !protected_sb(dentry->d_sb))
		return ret;
	return root_write(HOOK_INODE_REMOVEXATTR, dentry->d_inode, dentry);
}

/* file_ioctl: chattr (inode flags such as immutable or append-only). */
SEC("lsm/file_ioctl")
int BPF_PROG(moat_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret || (cmd != FS_IOC_SETFLAGS && cmd != FS_IOC_FSSETXATTR))
		return ret;
	if (!protected_sb(file->f_inode->i_sb))
		return 0;
	return decide(mode_root, RULE_ROOT_WRITE, HOOK_FILE_IOCTL, file->f_inode,
		      file->f_path.dentry, NULL, cmd, 0);
}

static __always_inline bool mount_allowed(struct dentry *d)
{
	struct inode_key k = {
		.dev = d->d_sb->s_dev,
		.ino = d->d_inode->i_ino,
	};

	return bpf_map_lookup_elem(&moat_mnt_allow, &k) != NULL;
}

/*
 * sb_mount: a remount that leaves a protected filesystem (or a bind mount
 * of it) writable, and any new, bind or moved mount on top of one of its
 * directories unless the allowlist names that directory. Propagation
 * changes pass.
 */
SEC("lsm/sb_mount")
int BPF_PROG(moat_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	struct dentry *d;

	if (ret)
		return ret;
	d = path->dentry;
	if (!protected_sb(d->d_sb))
		return 0;
	if (flags & MS_REMOUNT) {
		if (flags & MS_RDONLY)
			return 0;
	} else if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
		return 0;
	} else if (mount_allowed(d)) {
		return 0;
	}
	return decide(mode_root, RULE_ROOT_MOUNT, HOOK_SB_MOUNT, d->d_inode, d, NULL, flags, 0);
}

/* move_mount: the new mount API's way to put a mount on a directory. */
SEC("lsm/move_mount")
int BPF_PROG(moat_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	struct dentry *d;

	if (ret)
		return ret;
	d = to_path->dentry;
	if (!protected_sb(d->d_sb) || mount_allowed(d))
		return 0;
	return decide(mode_root, RULE_ROOT_MOUNT, HOOK_MOVE_MOUNT, d->d_inode, d, NULL, 0, 0);
}
