/* The few kernel types the holders program reads, and only the fields it
 * reads. preserve_access_index makes every access a CO-RE relocation:
 * the loader finds each field's real offset in the running kernel's BTF,
 * so these definitions need not match any kernel's layout. */
#ifndef WHOPORT_KERNEL_H
#define WHOPORT_KERNEL_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef __u16 umode_t;
typedef __s32 pid_t;

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
};

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* What libbpf's bpf_helpers.h would give, and no more: its header needs
 * the whole of the kernel's types. Helper numbers are the kernel's ABI
 * (enum bpf_func_id). */
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

struct seq_file;

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_seq_write)(struct seq_file *m, const void *data, __u32 len) = (void *)127;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct inode {
	umode_t i_mode;
	unsigned long i_ino;
};

struct file {
	struct inode *f_inode;
};

struct task_struct {
	pid_t pid;
	pid_t tgid;
};

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

#pragma clang attribute pop

#endif
