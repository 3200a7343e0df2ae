// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: the kernel (BPF, CO-RE), loaded by mxrt-contention (user/contention/). What blocks whom:
 *
 * - Lock waits, from the lock:contention_begin/end tracepoints (5.19+), which the kernel emits for
 *   every lock kind that can be contended: raw and non-RT spinlocks, rwlocks, mutexes, rwsems,
 *   percpu-rwsems and, on PREEMPT_RT, the rt_mutex that also backs spinlock_t (rtlock), rwlock_t,
 *   mutex and rw_semaphore. A wait is begin .. end in the same task. Aggregated per lock, kind
 *   (the tracepoint's flags), waiting task and kernel stack, in a per-CPU hash map (no atomics on
 *   the hot path; user space sums the CPUs). A wait over slow_ns goes to the ring buffer with its
 *   stack as it happens.
 * - I2C transfers, from the i2c:i2c_write/i2c_read (one per message, before the adapter is
 *   called, under the bus lock) and i2c:i2c_result tracepoints: per adapter, client address and
 *   task; transfers, messages, bytes, errors by errno, the transfer's time, and the time the task
 *   waited for the adapter's bus lock just before (its last lock wait, when that lock was this
 *   adapter's bus_lock). smbus:smbus_result counts SMBus operations.
 *
 * The contention tracepoints nest: an rt_mutex waiter retakes the lock's raw wait_lock while it
 * waits (rt_mutex_slowlock_block(), rtlock_slowlock_locked()), and a mutex reports its optimistic
 * spin (MUTEX|SPIN) and then its sleep (MUTEX) without an end between. Each task keeps a short
 * stack of open waits. A begin for the lock already on top is usually the same wait in its next
 * phase: it only updates the flags (the wait started at the first begin), as perf lock contention
 * does. But struct rt_mutex_base and struct semaphore start with their raw spinlock, so the inner
 * wait_lock/lock has the sleeping lock's address: a raw-spinlock begin (LCB_F_SPIN alone) on top of
 * a sleeping wait (no LCB_F_SPIN) is a wait of its own, pushed; its end pops it (an end pops the
 * innermost open wait for its address), and the sleeping wait goes on. A mutex's wait_lock is not at
 * the mutex's address (it follows the owner word), so its spin and sleep phases stay one wait.
 * That stack logic is in contention_stack.h, which the unit tests run on the host
 * (tests/user/contention/stack_test.cpp); this file adds the maps, the clock and the counters.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "contention.h"
#include "contention_stack.h"

char LICENSE[] SEC("license") = "GPL";

/* settings: filled in by the loader before load (0 = no filter) */
const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_pid = 0;
const volatile __u64 targ_lock = 0;
const volatile __u64 min_wait_ns = 0;  /* shorter waits are not aggregated */
const volatile __u64 slow_ns = 0;      /* 0: no ring-buffer events */
const volatile bool with_stacks = true;

struct task_state {
	struct mxrt_con_stack open; /* the open lock waits (contention_stack.h) */
	struct mxrt_con_link link; /* the last sleeping wait, for the I2C bus wait (contention_stack.h) */
};

/*
 * A transfer in flight, per context (task_key()) and adapter: behind an I2C mux, the transfer on
 * the child adapter calls the parent's __i2c_transfer() from inside (i2c_mux_master_xfer), so one
 * task has two in flight, the parent's inside the child's, and each ends with its own i2c_result.
 */
struct i2c_flight_key {
	__u32 ctx;
	__u32 adapter;
};

struct i2c_inflight {
	__u64 ts;
	__u64 bus_wait_ns;
	__u32 adapter;
	__u16 addr;
	__u16 waited;
	__u32 msgs;
	__u32 bytes;
};

/*
 * LRU: an entry stays after its task's waits end (the last wait links a transfer to its bus-lock
 * wait) and tasks come and go; the least recently used are dropped instead of the map filling up.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct task_state);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct mxrt_con_lock_key);
	__type(value, struct mxrt_con_lock_val);
} lock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MXRT_CON_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct i2c_flight_key);
	__type(value, struct i2c_inflight);
} i2c_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 2048);
	__type(key, struct mxrt_con_i2c_key);
	__type(value, struct mxrt_con_i2c_val);
} i2c_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct mxrt_con_i2c_err_key);
	__type(value, __u64);
} i2c_errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64); /* &adapter->bus_lock */
	__type(value, struct mxrt_con_adapter);
} adapters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXRT_CON_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static const struct task_state zero_task;
static const struct mxrt_con_lock_val zero_lock;
static const struct mxrt_con_i2c_val zero_i2c;

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		(*c)++;
}

/* log2 bucket of @v: 0 for v < 2, else floor(log2 v), at most the last bucket */
static __always_inline __u32 bucket_of(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	return r < MXRT_CON_HIST_BUCKETS ? r : MXRT_CON_HIST_BUCKETS - 1;
}

/*
 * The key of the current context's state (tasks, i2c_inflight): its thread id, except for tid 0.
 * Every CPU's idle task has tid 0, and interrupts and softirqs taken while a CPU idles run as it:
 * one entry for all of them would be updated from several CPUs at once, without atomics, and pair
 * one CPU's begin with another's end. Each CPU has its own idle task, so tid 0 is keyed per CPU
 * (as perf lock contention keeps per-CPU state): thread ids are below PID_MAX_LIMIT (2^22), so
 * 0x80000000 | cpu is no task's. An interrupt on a busy CPU shares its task's entry; it begins and
 * ends its waits before the task runs on, so they nest on the task's stack of open waits.
 */
static __always_inline __u32 task_key(__u64 pid_tgid)
{
	__u32 tid = (__u32)pid_tgid;

	return tid ? tid : 0x80000000U | bpf_get_smp_processor_id();
}

static __always_inline bool task_wanted(__u64 pid_tgid)
{
	if (targ_tgid && (__u32)(pid_tgid >> 32) != targ_tgid)
		return false;
	if (targ_pid && (__u32)pid_tgid != targ_pid)
		return false;
	return true;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(mxrt_contention_begin, void *lock, unsigned int flags)
{
	__u32 tk = task_key(bpf_get_current_pid_tgid());
	struct task_state *st;

	count(MXRT_CON_EVENTS);
	st = bpf_map_lookup_elem(&tasks, &tk);
	if (!st) {
		bpf_map_update_elem(&tasks, &tk, &zero_task, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&tasks, &tk);
		if (!st) {
			count(MXRT_CON_DROP_TASK_MAP);
			return 0;
		}
	}
	switch (mxrt_con_begin(&st->open, (__u64)lock, flags)) {
	case MXRT_CON_BEGIN_PHASE: /* the same wait, in its next phase (a mutex's spin, then its sleep) */
		break;
	case MXRT_CON_BEGIN_TOO_DEEP:
		count(MXRT_CON_DROP_NEST);
		break;
	case MXRT_CON_BEGIN_NEW:
		mxrt_con_push(&st->open, (__u64)lock, flags, bpf_ktime_get_ns());
		break;
	}
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(mxrt_contention_end, void *lock, int ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), wait, ts;
	__u32 tid = (__u32)pid_tgid, tk = task_key(pid_tgid), flags;
	struct mxrt_con_lock_key key = {};
	struct mxrt_con_lock_val *v;
	struct mxrt_con_ended w;
	struct task_state *st;

	count(MXRT_CON_EVENTS);
	st = bpf_map_lookup_elem(&tasks, &tk);
	/* pops the innermost open wait for this lock (normally the top) and any left open inside it */
	if (!st || !mxrt_con_end(&st->open, (__u64)lock, &w)) {
		/* a wait that began before we attached, or whose entry the LRU dropped */
		count(MXRT_CON_DROP_UNMATCHED);
		return 0;
	}
	ts = w.ts;
	flags = w.flags;
	if (now < ts) {
		/* cannot happen with per-context entries; counted rather than a wait of ~2^64 ns */
		count(MXRT_CON_DROP_NEGATIVE);
		return 0;
	}
	wait = now - ts;
	mxrt_con_link_note(&st->link, (__u64)lock, flags, wait);

	if (!task_wanted(pid_tgid))
		return 0;
	if (targ_lock && (__u64)lock != targ_lock)
		return 0;
	if (wait < min_wait_ns)
		return 0;

	key.lock = (__u64)lock;
	key.flags = flags;
	key.tid = tid;
	key.tgid = pid_tgid >> 32;
	key.stack_id = -17; /* -EEXIST: not collected */
	if (with_stacks) {
		key.stack_id = bpf_get_stackid(ctx, &stacks, 0);
		/* a hash bucket held another stack (-EEXIST), or none could be taken: counted */
		if (key.stack_id < 0)
			count(MXRT_CON_DROP_STACK);
	}
	v = bpf_map_lookup_elem(&lock_stats, &key);
	if (!v) {
		bpf_map_update_elem(&lock_stats, &key, &zero_lock, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&lock_stats, &key);
		if (!v) {
			count(MXRT_CON_DROP_LOCK_MAP);
			return 0;
		}
		bpf_get_current_comm(v->comm, sizeof(v->comm));
	}
	v->count++;
	v->total_ns += wait;
	if (wait > v->max_ns)
		v->max_ns = wait;
	v->hist[bucket_of(wait)]++;

	if (slow_ns && wait >= slow_ns) {
		struct mxrt_con_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		long n;

		if (!e) {
			count(MXRT_CON_DROP_RING);
			return 0;
		}
		e->ts_ns = now;
		e->lock = (__u64)lock;
		e->wait_ns = wait;
		e->flags = flags;
		e->tid = tid;
		e->tgid = pid_tgid >> 32;
		e->ret = ret;
		e->pad = 0;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		n = bpf_get_stack(ctx, e->frames, sizeof(e->frames), 0);
		e->nr_frames = n > 0 ? n / sizeof(__u64) : 0;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

/* ---- I2C ------------------------------------------------------------------------------------ */

static __always_inline void i2c_msg_start(const struct i2c_adapter *adap, const struct i2c_msg *msg,
					  int nr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), bus_lock;
	__u32 tid = task_key(pid_tgid);
	struct i2c_flight_key fk = { .ctx = tid, .adapter = BPF_CORE_READ(adap, nr) };
	struct i2c_inflight *f, nf = {};
	struct task_state *st;

	count(MXRT_CON_I2C_EVENTS);
	if (nr != 0) {
		f = bpf_map_lookup_elem(&i2c_inflight, &fk);
		if (f) {
			f->msgs++;
			f->bytes += BPF_CORE_READ(msg, len);
		}
		return;
	}
	if (!task_wanted(pid_tgid))
		return;
	bus_lock = (__u64)__builtin_preserve_access_index(&adap->bus_lock);
	nf.ts = bpf_ktime_get_ns();
	nf.adapter = fk.adapter;
	nf.addr = BPF_CORE_READ(msg, addr);
	nf.msgs = 1;
	nf.bytes = BPF_CORE_READ(msg, len);
	/* the task's last lock wait, if it was for this adapter's bus (i2c_transfer's lock_bus) */
	st = bpf_map_lookup_elem(&tasks, &tid);
	if (st && mxrt_con_link_take(&st->link, bus_lock, &nf.bus_wait_ns))
		nf.waited = 1;
	if (bpf_map_update_elem(&i2c_inflight, &fk, &nf, BPF_ANY))
		count(MXRT_CON_DROP_I2C_MAP);
	if (!bpf_map_lookup_elem(&adapters, &bus_lock)) {
		struct mxrt_con_adapter a = {};

		a.nr = nf.adapter;
		bpf_probe_read_kernel_str(a.name, sizeof(a.name), adap->name);
		/* not there after a failed insert (not another CPU's, a full map): this adapter's bus
		 * lock goes without its name in the report, counted */
		if (bpf_map_update_elem(&adapters, &bus_lock, &a, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&adapters, &bus_lock))
			count(MXRT_CON_DROP_I2C_MAP);
	}
}

SEC("tp_btf/i2c_write")
int BPF_PROG(mxrt_i2c_write, const struct i2c_adapter *adap, const struct i2c_msg *msg, int nr)
{
	i2c_msg_start(adap, msg, nr);
	return 0;
}

SEC("tp_btf/i2c_read")
int BPF_PROG(mxrt_i2c_read, const struct i2c_adapter *adap, const struct i2c_msg *msg, int nr)
{
	i2c_msg_start(adap, msg, nr);
	return 0;
}

static __always_inline struct mxrt_con_i2c_val *i2c_val(__u32 adapter, __u16 addr, __u64 pid_tgid)
{
	struct mxrt_con_i2c_key key = {};
	struct mxrt_con_i2c_val *v;

	key.adapter = adapter;
	key.addr = addr;
	key.tid = (__u32)pid_tgid;
	key.tgid = pid_tgid >> 32;
	v = bpf_map_lookup_elem(&i2c_stats, &key);
	if (v)
		return v;
	bpf_map_update_elem(&i2c_stats, &key, &zero_i2c, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&i2c_stats, &key);
	if (!v) {
		count(MXRT_CON_DROP_I2C_MAP);
		return 0;
	}
	bpf_get_current_comm(v->comm, sizeof(v->comm));
	return v;
}

SEC("tp_btf/i2c_result")
int BPF_PROG(mxrt_i2c_result, const struct i2c_adapter *adap, int num, int ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), dur;
	struct i2c_flight_key fk = { .ctx = task_key(pid_tgid), .adapter = BPF_CORE_READ(adap, nr) };
	struct mxrt_con_i2c_val *v;
	struct i2c_inflight *f;
	struct i2c_inflight fl;

	count(MXRT_CON_I2C_EVENTS);
	f = bpf_map_lookup_elem(&i2c_inflight, &fk);
	if (!f)
		return 0; /* began before we attached, or a task filtered out */
	fl = *f;
	bpf_map_delete_elem(&i2c_inflight, &fk);
	dur = now > fl.ts ? now - fl.ts : 0;
	v = i2c_val(fl.adapter, fl.addr, pid_tgid);
	if (!v)
		return 0;
	v->xfers++;
	v->msgs += fl.msgs;
	v->bytes += fl.bytes;
	v->total_ns += dur;
	if (dur > v->max_ns)
		v->max_ns = dur;
	v->hist[bucket_of(dur)]++;
	if (fl.waited) {
		v->bus_waits++;
		v->bus_wait_ns += fl.bus_wait_ns;
		if (fl.bus_wait_ns > v->bus_wait_max_ns)
			v->bus_wait_max_ns = fl.bus_wait_ns;
		v->wait_hist[bucket_of(fl.bus_wait_ns)]++;
	}
	if (ret < 0 || ret < num) {
		struct mxrt_con_i2c_err_key ek = {};
		__u64 one = 1, *c;

		v->errors++;
		ek.adapter = fl.adapter;
		ek.addr = fl.addr;
		ek.err = ret < 0 ? (ret < -MXRT_CON_MAX_ERRNO ? MXRT_CON_MAX_ERRNO : -ret) : 0;
		c = bpf_map_lookup_elem(&i2c_errors, &ek);
		if (c)
			__sync_fetch_and_add(c, 1);
		else if (bpf_map_update_elem(&i2c_errors, &ek, &one, BPF_NOEXIST)) {
			/* another CPU inserted the same error first (-EEXIST): add to its entry; only a
			 * full map loses the error's count */
			c = bpf_map_lookup_elem(&i2c_errors, &ek);
			if (c)
				__sync_fetch_and_add(c, 1);
			else
				count(MXRT_CON_DROP_I2C_MAP);
		}
	}
	return 0;
}

SEC("tp_btf/smbus_result")
int BPF_PROG(mxrt_smbus_result, const struct i2c_adapter *adap, __u16 addr, unsigned short flags,
	     char read_write, __u8 command, int protocol, int res)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct mxrt_con_i2c_val *v;

	count(MXRT_CON_I2C_EVENTS);
	if (!task_wanted(pid_tgid))
		return 0;
	v = i2c_val(BPF_CORE_READ(adap, nr), addr, pid_tgid);
	if (v)
		v->smbus++;
	return 0;
}
