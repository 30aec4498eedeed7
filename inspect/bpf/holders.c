//go:build ignore

// holders is a BPF iterator over every (task, fd, file) in the kernel. For
// each file that is a socket whose inode is in the wanted map, it writes
// one struct holder to the iterator's output. Threads that share their
// group leader's descriptor table are skipped by the kernel itself, so a
// table is visited once per process, and once more for each thread that
// made a table of its own (unshare(CLONE_FILES)).

#include "kernel.h"

// bpf_seq_write is available to GPL-compatible programs only.
char LICENSE[] SEC("license") = "Dual MIT/GPL";

// wanted holds the socket inodes asked about. Its size is set at load time
// to the number asked about. Preallocated: creating and filling it then
// costs less than without (BPF_F_NO_PREALLOC allocates each element as it
// is added), 3 ms instead of 7 for 9,000 inodes, 17 instead of 53 for
// 40,000.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u8);
} wanted SEC(".maps");

// holder is one record of the output: the socket inode, the thread group
// (the pid, in the initial pid namespace) and the task whose descriptor
// table holds it, and the descriptor.
struct holder {
	__u64 inode;
	__u32 tgid;
	__u32 tid;
	__u32 fd;
	__u32 pad;
};

SEC("iter/task_file")
int holders(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	if (!task || !file) // the last call, and the verifier, want both checked
		return 0;
	struct inode *inode = file->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFSOCK)
		return 0;
	__u64 ino = inode->i_ino;
	if (!bpf_map_lookup_elem(&wanted, &ino))
		return 0;
	struct holder h = {
		.inode = ino,
		.tgid = task->tgid,
		.tid = task->pid,
		.fd = ctx->fd,
	};
	bpf_seq_write(ctx->meta->seq, &h, sizeof(h));
	return 0;
}

// tasks writes the pid of every thread group leader the kernel lets the
// iterators see: a process missing from it was hidden from holders too.
SEC("iter/task")
int tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task || task->pid != task->tgid)
		return 0;
	__u32 tgid = task->tgid;
	bpf_seq_write(ctx->meta->seq, &tgid, sizeof(tgid));
	return 0;
}
