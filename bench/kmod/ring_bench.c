// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel (loaded in the VMs by bench/run.sh; never on the build host).
 *
 * Throughput of the driver's sample ring (kernel/max30102/ring.cpp, built into this module by
 * ring_core.cpp) against the kernel's kfifo doing the same work, in the same module run:
 *
 * 1. One reader: a burst of `burst` records is pushed, then read back in one batch, as the driver
 *    does with each FIFO burst: mxrt_ring_push_n() then mxrt_ring_read(); kfifo_in() then
 *    kfifo_out() of the whole burst (the cheapest a kfifo-based driver could be).
 * 2. Four readers: the ring is pushed once and read by four readers, each with its own cursor; a
 *    kfifo has one consumer, so the peer pushes the burst into four kfifos and reads each back.
 *
 * Batches of the two sides alternate (A B A B ...) on one CPU with preemption off, and the median
 * batch of each is compared, so drift and noise (TCG, other guests) hit both alike.
 * Prints "bench: <name> = <value> <unit> (goal <op> <target>)" lines and "#" detail lines.
 *
 * 3. The driver's read path, measured to choose it (kernel/max30102/driver_glue.c, mx_read): a
 *    read of 64 records goes ring -> the file's bounce buffer (mxrt_ring_peek, inside an RCU read
 *    side that never sleeps) -> user memory (copy_to_user, outside it). Copying straight from the
 *    ring to user memory would save one copy but needs a read side that may sleep (SRCU: a user
 *    copy can fault); its lower bound is copy_to_user from kernel memory of the same size inside
 *    srcu_read_lock. Both into a user buffer of this (insmod) process, with preemption on,
 *    alternating as above. And the read sides alone: srcu_read_lock/unlock against
 *    rcu_read_lock/unlock. "#" lines only: these are measurements, not goals.
 */
#define pr_fmt(fmt) "mxrt_bench: " fmt

#include <linux/kfifo.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include <max30102/ring.h>

static unsigned int batches = 41;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "alternating batches per side (3..1001)");
static unsigned int rounds = 256;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "bursts per batch (1..65536)");
static unsigned int burst = 16;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "records per burst (1..64)");

#define READERS 4
#define RING_RECORDS 4096

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

struct side {
	struct mxrt_ring *ring;
	struct mxrt_ring_reader rd[READERS];
	struct kfifo fifo[READERS];
	struct mxrt_max30102_record in[64], out[64];
	u64 ring_seq, fifo_seq, sink;
};

/* The next burst of records, numbered from *seq (each side has its own stream). */
static void fill(struct side *s, u64 *seq)
{
	unsigned int i;

	for (i = 0; i < burst; i++, (*seq)++) {
		s->in[i].seq = *seq;
		s->in[i].timestamp_ns = *seq * 2500000ull;
		s->in[i].red = *seq & 0x3ffff;
		s->in[i].ir = ~*seq & 0x3ffff;
		s->in[i].adc_bits = 18;
	}
}

/* One batch; returns its duration. Every record read is checked (seq) so nothing is optimised away. */
static u64 run_ring(struct side *s, unsigned int readers)
{
	unsigned int r, k, n;
	u64 t0 = ktime_get_ns();

	for (r = 0; r < rounds; r++) {
		fill(s, &s->ring_seq);
		mxrt_ring_push_n(s->ring, s->in, burst);
		for (k = 0; k < readers; k++) {
			n = mxrt_ring_read(s->ring, &s->rd[k], s->out, burst);
			s->sink += n + s->out[n - 1].seq;
		}
	}
	return ktime_get_ns() - t0;
}

static u64 run_kfifo(struct side *s, unsigned int readers)
{
	unsigned int r, k, n, len = burst * sizeof(s->in[0]);
	u64 t0 = ktime_get_ns();

	for (r = 0; r < rounds; r++) {
		fill(s, &s->fifo_seq);
		for (k = 0; k < readers; k++)
			kfifo_in(&s->fifo[k], s->in, len);
		for (k = 0; k < readers; k++) {
			n = kfifo_out(&s->fifo[k], s->out, len) / sizeof(s->out[0]);
			s->sink += n + s->out[n - 1].seq;
		}
	}
	return ktime_get_ns() - t0;
}

static int compare(struct side *s, unsigned int readers, const char *name)
{
	u64 *ring_ns, *fifo_ns, ring_med, fifo_med, records = (u64)rounds * burst;
	unsigned int b, k;

	for (k = 0; k < READERS; k++)
		mxrt_ring_reader_init(s->ring, &s->rd[k]);
	ring_ns = kcalloc(batches, sizeof(u64), GFP_KERNEL);
	fifo_ns = kcalloc(batches, sizeof(u64), GFP_KERNEL);
	if (!ring_ns || !fifo_ns) {
		kfree(ring_ns);
		kfree(fifo_ns);
		return -ENOMEM;
	}
	run_ring(s, readers); /* warm-up */
	run_kfifo(s, readers);
	for (b = 0; b < batches; b++) {
		preempt_disable();
		ring_ns[b] = run_ring(s, readers);
		fifo_ns[b] = run_kfifo(s, readers);
		preempt_enable();
		cond_resched();
	}
	sort(ring_ns, batches, sizeof(u64), cmp_u64, NULL);
	sort(fifo_ns, batches, sizeof(u64), cmp_u64, NULL);
	ring_med = max_t(u64, ring_ns[batches / 2], 1);
	fifo_med = fifo_ns[batches / 2];
	pr_info("# %u reader(s), bursts of %u: ring %llu ns/record, kfifo %llu ns/record (median of %u batches of %llu records)\n",
		readers, burst, ring_med / records, fifo_med / records, batches, records);
	pr_info("bench: %s = %llu.%03llu ratio (goal >= 1.0)\n", name, fifo_med / ring_med,
		(fifo_med * 1000 / ring_med) % 1000);
	kfree(ring_ns);
	kfree(fifo_ns);
	return 0;
}

/* ---- 3. the read path ---- */

#define READ_BATCH 64 /* the driver's MX_READ_BATCH */

DEFINE_STATIC_SRCU(bench_srcu);

struct read_side {
	struct mxrt_ring *ring;
	struct mxrt_ring_reader rd;
	struct mxrt_max30102_record in[READ_BATCH], bounce[READ_BATCH], ring_like[READ_BATCH];
	char __user *ubuf;
	u64 seq, sink;
	int fault;
};

static void fill_read(struct read_side *r)
{
	unsigned int i;

	for (i = 0; i < READ_BATCH; i++, r->seq++) {
		r->in[i].seq = r->seq;
		r->in[i].timestamp_ns = r->seq * 2500000ull;
		r->in[i].adc_bits = 18;
	}
	mxrt_ring_push_n(r->ring, r->in, READ_BATCH);
}

/* What mx_read does: the ring into the bounce buffer under RCU, then the user copy, then commit. */
static u64 run_bounce(struct read_side *r)
{
	struct mxrt_ring_reader next;
	unsigned int k, n;
	u64 t0;

	mxrt_ring_reader_init(r->ring, &r->rd); /* run_direct pushed without reading */
	t0 = ktime_get_ns();
	for (k = 0; k < rounds; k++) {
		fill_read(r);
		rcu_read_lock();
		n = mxrt_ring_peek(r->ring, &r->rd, &next, r->bounce, READ_BATCH);
		rcu_read_unlock();
		if (copy_to_user(r->ubuf, r->bounce, n * sizeof(r->bounce[0])))
			r->fault = 1;
		else
			mxrt_ring_reader_commit(&r->rd, &next);
		r->sink += n;
	}
	return ktime_get_ns() - t0;
}

/*
 * The lower bound of a copy straight from the ring: the same push, then, inside the SRCU read side
 * such a copy would need, one copy_to_user of the same bytes from kernel memory, with the two index
 * loads a seqlock check needs and none of its fix-ups (a torn record already in user memory would
 * have to be copied again).
 */
static u64 run_direct(struct read_side *r)
{
	unsigned int k;
	u64 t0 = ktime_get_ns();
	int idx;

	for (k = 0; k < rounds; k++) {
		fill_read(r);
		idx = srcu_read_lock(&bench_srcu);
		r->sink += mxrt_ring_head(r->ring);
		if (copy_to_user(r->ubuf, r->ring_like, sizeof(r->ring_like)))
			r->fault = 1;
		r->sink += mxrt_ring_head(r->ring);
		srcu_read_unlock(&bench_srcu, idx);
	}
	return ktime_get_ns() - t0;
}

static u64 run_srcu_lock(void)
{
	unsigned int k;
	u64 t0 = ktime_get_ns();
	int idx;

	for (k = 0; k < rounds * 64; k++) {
		idx = srcu_read_lock(&bench_srcu);
		srcu_read_unlock(&bench_srcu, idx);
	}
	return ktime_get_ns() - t0;
}

static u64 run_rcu_lock(void)
{
	unsigned int k;
	u64 t0 = ktime_get_ns();

	for (k = 0; k < rounds * 64; k++) {
		rcu_read_lock();
		rcu_read_unlock();
	}
	return ktime_get_ns() - t0;
}

static u64 median(u64 *v)
{
	sort(v, batches, sizeof(u64), cmp_u64, NULL);
	return max_t(u64, v[batches / 2], 1);
}

static int compare_read_path(void)
{
	struct read_side *r;
	unsigned long addr;
	u64 *a, *b, bounce, direct, srcu, rcu;
	unsigned int i;
	int ret = -ENOMEM;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	a = kcalloc(batches, sizeof(u64), GFP_KERNEL);
	b = kcalloc(batches, sizeof(u64), GFP_KERNEL);
	if (!r || !a || !b)
		goto out;
	ret = mxrt_ring_create(RING_RECORDS, NUMA_NO_NODE, &r->ring);
	if (ret)
		goto out;
	/* a buffer in this process (insmod's): what read() copies into */
	addr = vm_mmap(NULL, 0, PAGE_ALIGN(sizeof(r->bounce)), PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		goto out;
	}
	r->ubuf = (char __user *)addr;
	mxrt_ring_reader_init(r->ring, &r->rd);
	run_bounce(r); /* warm-up, and the pages are faulted in */
	run_direct(r);
	for (i = 0; i < batches; i++) {
		a[i] = run_bounce(r);
		b[i] = run_direct(r);
		cond_resched();
	}
	bounce = median(a);
	direct = median(b);
	for (i = 0; i < batches; i++) {
		a[i] = run_srcu_lock();
		b[i] = run_rcu_lock();
		cond_resched();
	}
	srcu = median(a);
	rcu = median(b);
	pr_info("# read path, %u-record reads into user memory: bounce buffer under RCU %llu ns/record, direct copy under SRCU (lower bound) %llu ns/record, bounce/direct %llu.%03llu\n",
		READ_BATCH, bounce / ((u64)rounds * READ_BATCH), direct / ((u64)rounds * READ_BATCH),
		bounce / direct, (bounce * 1000 / direct) % 1000);
	pr_info("# read side: srcu_read_lock+unlock %llu ps, rcu_read_lock+unlock %llu ps (median of %u batches of %u)\n",
		srcu * 1000 / (rounds * 64), rcu * 1000 / (rounds * 64), batches, rounds * 64);
	vm_munmap(addr, PAGE_ALIGN(sizeof(r->bounce)));
	ret = r->fault || r->rd.overruns ? -EPROTO : 0;
out:
	if (r && r->ring)
		mxrt_ring_destroy(r->ring);
	kfree(a);
	kfree(b);
	kfree(r);
	return ret;
}

static int __init bench_init(void)
{
	struct side *s;
	unsigned int k;
	int ret = 0;

	/* bounded: rounds * 64 must not wrap (a division by it) */
	if (batches < 3 || batches > 1001 || !rounds || rounds > 65536 || !burst || burst > 64) {
		pr_err("batches 3..1001, rounds 1..65536, burst 1..64; not %u, %u, %u\n", batches, rounds, burst);
		return -EINVAL;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	ret = mxrt_ring_create(RING_RECORDS, NUMA_NO_NODE, &s->ring);
	if (ret)
		goto out;
	for (k = 0; k < READERS; k++) {
		ret = kfifo_alloc(&s->fifo[k], RING_RECORDS * sizeof(struct mxrt_max30102_record),
				  GFP_KERNEL);
		if (ret)
			goto out;
	}
	ret = compare(s, 1, "ring_push_read_vs_kfifo");
	if (!ret)
		ret = compare(s, READERS, "ring_push_read_4_readers_vs_4_kfifos");
	/* every reader kept up: no overrun may have happened */
	for (k = 0; k < READERS && !ret; k++)
		if (s->rd[k].overruns)
			ret = -EPROTO;
	if (!ret)
		ret = compare_read_path();
	pr_info("# checksum %llu\n", s->sink);
out:
	for (k = 0; k < READERS; k++)
		kfifo_free(&s->fifo[k]); /* a no-op on an unallocated kfifo */
	if (s->ring)
		mxrt_ring_destroy(s->ring);
	kfree(s);
	if (ret)
		pr_err("failed: %d\n", ret);
	return ret;
}

static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("mxrt sample ring against kfifo");
MODULE_LICENSE("GPL");
