/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Used by: the BPF programs (bpf/contention.bpf.c, kernel) and their loader mxrt-contention
 * (user/contention/, user space). The maps' keys and values and the ring buffer's event: one
 * layout for both sides (fixed-size fields, explicit padding), on x86_64 and arm64.
 */
#ifndef MXRT_BPF_CONTENTION_H
#define MXRT_BPF_CONTENTION_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* log2 buckets of ns: bucket b counts [2^b, 2^(b+1)) (0: < 2); the last is open-ended: >= 2^31 */
#define MXRT_CON_HIST_BUCKETS 32
#define MXRT_CON_COMM_LEN 16
#define MXRT_CON_STACK_DEPTH 24  /* frames kept per stack (the stack map and ring events) */
#define MXRT_CON_ADAPTER_NAME 48 /* struct i2c_adapter's name[48] */
#define MXRT_CON_MAX_ERRNO 4095  /* an I2C result below -4095 is not an errno: counted as 4095 */

/*
 * The lock tracepoints' flags (the kernel's trace/events/lock.h, since 5.19 when lock:contention_begin
 * was added; stable since): macros, so not in BTF.
 */
#define MXRT_LCB_F_SPIN (1U << 0)
#define MXRT_LCB_F_READ (1U << 1)
#define MXRT_LCB_F_WRITE (1U << 2)
#define MXRT_LCB_F_RT (1U << 3)
#define MXRT_LCB_F_PERCPU (1U << 4)
#define MXRT_LCB_F_MUTEX (1U << 5)

/* One lock wait aggregate: per lock, kind (the tracepoint's flags), waiting task and stack. */
struct mxrt_con_lock_key {
	__u64 lock;   /* the lock's address */
	__u32 flags;  /* MXRT_LCB_F_* as contention_begin reported them */
	__u32 tid;    /* the waiting task (thread id) */
	__u32 tgid;
	__s32 stack_id; /* in the stacks map; negative: no stack (-EEXIST: not collected) */
};

struct mxrt_con_lock_val {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u64 hist[MXRT_CON_HIST_BUCKETS];
	char comm[MXRT_CON_COMM_LEN];
};

/* I2C: per adapter, client address and task (the task that asked for the transfer). */
struct mxrt_con_i2c_key {
	__u32 adapter; /* i2c-N */
	__u16 addr;    /* the first message's address (7 or 10 bit) */
	__u16 pad;
	__u32 tid;
	__u32 tgid;
};

struct mxrt_con_i2c_val {
	__u64 xfers;        /* i2c_transfer()s (each __i2c_transfer: i2c:i2c_write/read .. i2c_result) */
	__u64 msgs;
	__u64 bytes;        /* bytes in the messages (writes and reads asked for) */
	__u64 errors;       /* results < 0 (errno in the errors map) or fewer messages than asked */
	__u64 smbus;        /* SMBus operations (smbus:smbus_result), emulated over I2C or native */
	__u64 total_ns;     /* transfer time: the first message's trace point to the result */
	__u64 max_ns;
	__u64 bus_waits;    /* transfers that waited for the adapter's bus lock first */
	__u64 bus_wait_ns;
	__u64 bus_wait_max_ns;
	__u64 hist[MXRT_CON_HIST_BUCKETS];          /* transfer time */
	__u64 wait_hist[MXRT_CON_HIST_BUCKETS];     /* bus-lock wait before a transfer */
	char comm[MXRT_CON_COMM_LEN];
};

/* I2C errors: per adapter, address and errno. */
struct mxrt_con_i2c_err_key {
	__u32 adapter;
	__u16 addr;
	__u16 pad;
	__u32 err;  /* errno (positive); 0: a short transfer (fewer messages done than asked) */
	__u32 pad2;
};

/* The adapters seen: bus-lock address -> adapter (names the bus locks in the lock table). */
struct mxrt_con_adapter {
	__u32 nr;
	__u32 pad;
	char name[MXRT_CON_ADAPTER_NAME];
};

/* A rare event through the ring buffer: one wait over the slow threshold, with its stack. */
struct mxrt_con_event {
	__u64 ts_ns;   /* CLOCK_MONOTONIC (bpf_ktime_get_ns) at the end of the wait */
	__u64 lock;
	__u64 wait_ns;
	__u32 flags;
	__u32 tid;
	__u32 tgid;
	__s32 ret;     /* contention_end's ret (0, or -EINTR/-ETIMEDOUT/... for a wait given up) */
	__u32 nr_frames;
	__u32 pad;
	char comm[MXRT_CON_COMM_LEN];
	__u64 frames[MXRT_CON_STACK_DEPTH];
};

/* Counters of what the programs could not record (a full map, the ring buffer full, nesting). */
enum mxrt_con_drop {
	MXRT_CON_DROP_LOCK_MAP,   /* lock aggregates map full */
	MXRT_CON_DROP_I2C_MAP,    /* I2C maps full */
	MXRT_CON_DROP_RING,       /* ring buffer full: a slow-wait event lost */
	MXRT_CON_DROP_NEST,       /* waits nested deeper than the per-task stack */
	MXRT_CON_DROP_TASK_MAP,   /* per-task state map full */
	MXRT_CON_DROP_UNMATCHED,  /* contention_end without its begin (attached mid-wait, entry evicted) */
	MXRT_CON_DROP_NEGATIVE,   /* contention_end before its begin's time (would be a wait of ~2^64 ns) */
	MXRT_CON_DROP_STACK,      /* a wait recorded without its stack (bpf_get_stackid failed: -EEXIST) */
	MXRT_CON_EVENTS,          /* not a drop: traced lock events (begin + end), for the cost */
	MXRT_CON_I2C_EVENTS,      /* not a drop: traced I2C events */
	MXRT_CON_NR_COUNTERS,
};

#endif /* MXRT_BPF_CONTENTION_H */
