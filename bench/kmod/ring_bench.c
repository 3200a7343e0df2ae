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
 */
#define pr_fmt(fmt) "mxrt_bench: " fmt

#include <linux/kfifo.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <max30102/ring.h>

static unsigned int batches = 41;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "alternating batches per side");
static unsigned int rounds = 256;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "bursts per batch");
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

static int __init bench_init(void)
{
	struct side *s;
	unsigned int k;
	int ret = 0;

	if (batches < 3 || !rounds || !burst || burst > 64)
		return -EINVAL;
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
