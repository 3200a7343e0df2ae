// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: the VM guests (static, as root), from tests/vm/guest/27-max30102-ioctl.sh; built by
 * tests/unit/unit.mk for x86_64 and aarch64 (mxrt-max30102-ioctl-test) and, as a 32-bit program on
 * the same kernels, for i386 and armhf (mxrt-max30102-ioctl-test32). Plain C on purpose: the same
 * source is what a 32-bit C program would be, and 32-bit C cross compilers are all Debian ships.
 *
 * usage: mxrt-max30102-ioctl-test table DEV
 *          the bad-input table: each case's errno against the one it must be, and the configuration
 *          unchanged after it; one line per case, "ok NAME detail" or "bad NAME detail". The
 *          lines name no address or value that differs between runs or ABIs, so the outputs of the
 *          64- and 32-bit builds must be identical.
 *        mxrt-max30102-ioctl-test fuzz DEV N SEED
 *          N random ioctls (random numbers, sizes, contents and pointers, bad ones included); then
 *          the configuration is put back and must read back. "ok fuzz ..." or "bad fuzz ...".
 *        mxrt-max30102-ioctl-test timeout DEV TEST_HOLD
 *          with the device lock held (sleeping) through debugfs TEST_HOLD (test_hooks=1): a 100 ms timeout
 *          ends in ETIMEDOUT after at least 100 ms with nothing changed, timeout 0 never waits,
 *          a signal ends the wait with EINTR, and no signal state is left behind; a wake-up
 *          without a signal (io_uring's task work, TIF_NOTIFY_SIGNAL) does not end the wait,
 *          which then gets the lock (a "skip" line without io_uring), nor does a stop and
 *          continue (the call is restarted); test_hold itself says EFAULT for a command it
 *          cannot read, EINVAL for one too long.
 *        mxrt-max30102-ioctl-test unbound DEV UNBIND CLIENT
 *          opens DEV, unbinds the device (CLIENT written to the driver's UNBIND file) and calls
 *          ioctls on the open file: each must fail with ENODEV.
 *        mxrt-max30102-ioctl-test unbind-race DEV SIM UNBIND CLIENT
 *          GET_TEMP on a slow bus (SIM: the simulator's debugfs directory, for its late_us
 *          fault), asleep in the driver while the device is unbound: the
 *          unbind waits for the call, which succeeds; later calls get ENODEV.
 *        mxrt-max30102-ioctl-test uffd-unbind DEV UNBIND CLIENT
 *          a read() stuck in its copy to user space (a userfaultfd page whose fault is never
 *          resolved), holding the file's lock; FLUSH and GET_STATS on the same file wait for that
 *          lock; the unbind must still finish within 10 s (before 47fc06b they waited for the lock
 *          inside md_srcu and the unbind waited for them until the fault was resolved). Then the
 *          fault is released (the userfaultfd closed): both calls get ENODEV, the read returns.
 *          Before that, with lock timeouts 0 and 200 ms, both calls end in ETIMEDOUT (an alarm
 *          after 10 s ends a wait without a limit: EINTR, a failure).
 *          Exit 77 with a "skip" line if the kernel has no userfaultfd for us (ENOSYS, EPERM),
 *          2 if the rest cannot be set up: the device is then still bound; unbound otherwise.
 *        mxrt-max30102-ioctl-test pi DEV TEST_HOLD pi|nopi HOLD_MS HOG_MS
 *          priority inheritance: on CPU 1, a SCHED_FIFO 10 task holds the lock (pi) or the
 *          test's semaphore (nopi) for HOLD_MS ms of work, a SCHED_FIFO 60 hog spins HOG_MS ms,
 *          and a SCHED_FIFO 90 task calls GET_CONFIG. Prints one line of measurements.
 *        mxrt-max30102-ioctl-test evtime EVDEV SECONDS
 *          the input device's key and absolute events for SECONDS, stamped on CLOCK_MONOTONIC
 *          (EVIOCSCLOCKID), the clock of the driver's published timestamp_ns: one line per event,
 *          "event TYPE CODE VALUE SEC.USEC" (24-vitals.sh checks that an event carries the time
 *          of the record it reports, not the time it was sent).
 * Exit: 0 all ok, 1 a case failed, 2 usage or setup error, 77 skipped (uffd-unbind only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/input.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <poll.h>

#include <mxrt/max30102.h>

static int failures;

static const char *ename(int e)
{
	switch (e) {
	case 0: return "ok";
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case E2BIG: return "E2BIG";
	case EFAULT: return "EFAULT";
	case EBADF: return "EBADF";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EINTR: return "EINTR";
	case ENODEV: return "ENODEV";
	case EIO: return "EIO";
	}
	static char buf[16];
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static void result(int good, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void result(int good, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s ", good ? "ok" : "bad", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures += !good;
}

/* ioctl's errno (0 on success) */
static int call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : errno;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int get_config(int fd, struct mxrt_max30102_ioc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return call(fd, MXRT_MAX30102_IOC_GET_CONFIG, c);
}

static int same_config(const struct mxrt_max30102_ioc_config *a, const struct mxrt_max30102_ioc_config *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static struct mxrt_max30102_ioc_config saved;

/* A case: the call's errno must be `want`, and the configuration must be what it was. */
static void expect(int fd, const char *name, int got, int want)
{
	struct mxrt_max30102_ioc_config now;
	int err = get_config(fd, &now), unchanged = !err && same_config(&now, &saved);

	result(got == want && unchanged, name, "errno=%s want=%s config=%s", ename(got), ename(want),
	       unchanged ? "unchanged" : "CHANGED");
}

#define CMD(dir, nr, size) _IOC(dir, MXRT_MAX30102_IOC_MAGIC, nr, size)

static long page;
static char *guard;    /* a PROT_NONE page */
static char *rdonly;   /* a read-only page whose first word is a valid size */
static char *edge;     /* a writable page followed by guard */

static int setup_pages(void)
{
	char *m;

	page = sysconf(_SC_PAGESIZE);
	m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	edge = m;
	guard = m + page;
	rdonly = m + 2 * page;
	((uint32_t *)rdonly)[0] = sizeof(struct mxrt_max30102_ioc_config);
	if (mprotect(guard, page, PROT_NONE) || mprotect(rdonly, page, PROT_READ))
		return -1;
	return 0;
}

static int table(const char *dev)
{
	struct mxrt_max30102_ioc_config c, want;
	struct mxrt_max30102_ioc_info info;
	struct mxrt_max30102_ioc_stats st;
	struct mxrt_max30102_ioc_vitals v;
	struct mxrt_max30102_ioc_temp t;
	unsigned char big[5000];
	uint32_t u32;
	uint64_t u64;
	int fd = open(dev, O_RDWR), ro = open(dev, O_RDONLY), err, i;

	if (fd < 0 || ro < 0 || setup_pages()) {
		perror(dev);
		return 2;
	}
	err = get_config(fd, &saved);
	result(!err && saved.size == sizeof(saved) && saved.flags == 0, "get-config", "errno=%s size=%u",
	       ename(err), saved.size);

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	err = call(ro, MXRT_MAX30102_IOC_GET_INFO, &info);
	result(!err && info.size == sizeof(info) && info.abi_version == MXRT_MAX30102_ABI_VERSION &&
		       info.part_id == 0x15 && info.driver_version[0] && memchr(info.driver_version, 0, 32),
	       "get-info", "errno=%s abi=%u part=0x%02x version=%s", ename(err), info.abi_version, info.part_id,
	       info.driver_version);

	/* unknown commands */
	expect(fd, "unknown-zero", call(fd, 0, &c), ENOTTY);
	expect(fd, "unknown-tcgets", call(fd, 0x5401, &c), ENOTTY);
	expect(fd, "unknown-number-0x1f", call(fd, CMD(_IOC_READ | _IOC_WRITE, 0x1f, sizeof(c)), &c), ENOTTY);
	expect(fd, "unknown-number-0x09", call(fd, CMD(_IOC_READ, 0x09, 4), &u32), ENOTTY);
	expect(fd, "other-magic", call(fd, _IOC(_IOC_READ | _IOC_WRITE, 'd', MXRT_MAX30102_NR_GET_CONFIG, sizeof(c)), &c),
	       ENOTTY);
	expect(fd, "get-config-as-ior", call(fd, CMD(_IOC_READ, MXRT_MAX30102_NR_GET_CONFIG, sizeof(c)), &c), ENOTTY);
	expect(fd, "set-config-as-iowr", call(fd, CMD(_IOC_READ | _IOC_WRITE, MXRT_MAX30102_NR_SET_CONFIG, sizeof(c)), &c),
	       ENOTTY);
	expect(fd, "flush-as-io", call(fd, CMD(_IOC_NONE, MXRT_MAX30102_NR_FLUSH, 0), NULL), ENOTTY);
	expect(fd, "flush-size-4", call(fd, CMD(_IOC_READ, MXRT_MAX30102_NR_FLUSH, 4), &u64), ENOTTY);
	expect(fd, "timeout-size-8", call(fd, CMD(_IOC_WRITE, MXRT_MAX30102_NR_SET_LOCK_TIMEOUT, 8), &u64), ENOTTY);

	/* wrong sizes */
	c = saved;
	c.size = 0;
	expect(fd, "size-zero", call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &c), EINVAL);
	c.size = 36;
	expect(fd, "size-below-ver0", call(fd, CMD(_IOC_WRITE, MXRT_MAX30102_NR_SET_CONFIG, 36), &c), EINVAL);
	c.size = 48;
	expect(fd, "size-field-not-the-numbers", call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &c), EINVAL);
	memset(big, 0, sizeof(big));
	memcpy(big, &saved, sizeof(saved));
	((struct mxrt_max30102_ioc_config *)big)->size = 4097;
	expect(fd, "size-above-max", call(fd, CMD(_IOC_WRITE, MXRT_MAX30102_NR_SET_CONFIG, 4097), big), E2BIG);
	memset(&st, 0, sizeof(st));
	st.size = 8;
	expect(fd, "stats-size-8", call(fd, CMD(_IOC_READ | _IOC_WRITE, MXRT_MAX30102_NR_GET_STATS, 8), &st), EINVAL);

	/* bad pointers */
	expect(fd, "null-get-config", call(fd, MXRT_MAX30102_IOC_GET_CONFIG, NULL), EFAULT);
	expect(fd, "null-set-config", call(fd, MXRT_MAX30102_IOC_SET_CONFIG, NULL), EFAULT);
	expect(fd, "null-get-stats", call(fd, MXRT_MAX30102_IOC_GET_STATS, NULL), EFAULT);
	expect(fd, "null-flush", call(fd, MXRT_MAX30102_IOC_FLUSH, NULL), EFAULT);
	expect(fd, "null-set-timeout", call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, NULL), EFAULT);
	expect(fd, "address-1", call(fd, MXRT_MAX30102_IOC_GET_INFO, (void *)1), EFAULT);
	expect(fd, "guard-page-get", call(fd, MXRT_MAX30102_IOC_GET_CONFIG, guard), EFAULT);
	expect(fd, "guard-page-set", call(fd, MXRT_MAX30102_IOC_SET_CONFIG, guard), EFAULT);
	expect(fd, "kernel-or-top-address", call(fd, MXRT_MAX30102_IOC_GET_CONFIG,
						 (void *)(uintptr_t)(sizeof(void *) == 8 ? 0xffff888000000000ull : 0xfffff000u)),
	       EFAULT);
	expect(fd, "read-only-get-config", call(fd, MXRT_MAX30102_IOC_GET_CONFIG, rdonly), EFAULT);
	expect(fd, "read-only-flush", call(fd, MXRT_MAX30102_IOC_FLUSH, rdonly), EFAULT);
	/* an output it cannot write is refused before the command works: a GET_TEMP into a read-only
	 * page converts nothing (it used to convert, count temp_reads, then fail at the copy) */
	{
		struct mxrt_max30102_ioc_stats s0 = {.size = sizeof(s0)}, s1 = {.size = sizeof(s1)};
		int e0, e1, e2, prot;

		prot = mprotect(rdonly, page, PROT_READ | PROT_WRITE);
		((uint32_t *)rdonly)[0] = sizeof(struct mxrt_max30102_ioc_temp);
		prot |= mprotect(rdonly, page, PROT_READ);
		e0 = call(fd, MXRT_MAX30102_IOC_GET_STATS, &s0);
		e1 = call(fd, MXRT_MAX30102_IOC_GET_TEMP, rdonly);
		e2 = call(fd, MXRT_MAX30102_IOC_GET_STATS, &s1);
		prot |= mprotect(rdonly, page, PROT_READ | PROT_WRITE);
		((uint32_t *)rdonly)[0] = sizeof(struct mxrt_max30102_ioc_config);
		prot |= mprotect(rdonly, page, PROT_READ);
		result(!prot && !e0 && !e2 && e1 == EFAULT && s1.temp_reads == s0.temp_reads,
		       "read-only-get-temp-converts-nothing", "errno=%s temp_reads +%llu", ename(e1),
		       (unsigned long long)(s1.temp_reads - s0.temp_reads));
	}
	/* a struct whose tail (past the driver's) runs into the guard page */
	{
		struct mxrt_max30102_ioc_config *e = (void *)(guard - sizeof(*e) - 4);

		*e = saved;
		e->size = sizeof(*e) + 8;
		memset((char *)e + sizeof(*e), 0, 4);
		expect(fd, "tail-in-guard-page", call(fd, CMD(_IOC_WRITE, MXRT_MAX30102_NR_SET_CONFIG, sizeof(*e) + 8), e),
		       EFAULT);
	}

	/* non-zero bytes past the driver's struct (a newer tool asking for more) */
	memset(big, 0, sizeof(big));
	memcpy(big, &saved, sizeof(saved));
	((struct mxrt_max30102_ioc_config *)big)->size = sizeof(saved) + 16;
	((struct mxrt_max30102_ioc_config *)big)->sample_rate_hz = 200;
	big[sizeof(saved) + 3] = 1;
	expect(fd, "trailing-nonzero", call(fd, CMD(_IOC_WRITE, MXRT_MAX30102_NR_SET_CONFIG, sizeof(saved) + 16), big),
	       E2BIG);
	big[sizeof(saved) + 3] = 0;
	big[sizeof(saved) + 15] = 0x80;
	expect(fd, "trailing-nonzero-last", call(fd, CMD(_IOC_WRITE, MXRT_MAX30102_NR_SET_CONFIG, sizeof(saved) + 16), big),
	       E2BIG);

	/* out-of-range values, one at a time */
	{
		static const struct {
			const char *name;
			size_t off;
			uint32_t value;
		} bad[] = {
			{"mode-0", offsetof(struct mxrt_max30102_ioc_config, mode), 0},
			{"mode-5", offsetof(struct mxrt_max30102_ioc_config, mode), 5},
			{"rate-150", offsetof(struct mxrt_max30102_ioc_config, sample_rate_hz), 150},
			{"rate-3200-with-411us", offsetof(struct mxrt_max30102_ioc_config, sample_rate_hz), 3200},
			{"pulse-width-100", offsetof(struct mxrt_max30102_ioc_config, pulse_width_us), 100},
			{"adc-range-1000", offsetof(struct mxrt_max30102_ioc_config, adc_range_na), 1000},
			{"average-3", offsetof(struct mxrt_max30102_ioc_config, sample_average), 3},
			{"almost-full-16", offsetof(struct mxrt_max30102_ioc_config, fifo_almost_full), 16},
			{"almost-full-33", offsetof(struct mxrt_max30102_ioc_config, fifo_almost_full), 33},
			{"red-51200", offsetof(struct mxrt_max30102_ioc_config, red_current_ua), 51200},
			{"ir-150", offsetof(struct mxrt_max30102_ioc_config, ir_current_ua), 150},
			{"ir-max", offsetof(struct mxrt_max30102_ioc_config, ir_current_ua), 0xffffffffu},
			{"flags-1", offsetof(struct mxrt_max30102_ioc_config, flags), 1},
		};
		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
			char name[48];

			c = saved;
			c.pulse_width_us = 411;
			memcpy((char *)&c + bad[i].off, &bad[i].value, 4);
			snprintf(name, sizeof(name), "value-%s", bad[i].name);
			expect(fd, name, call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &c), EINVAL);
		}
	}
	u32 = MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS + 1;
	expect(fd, "timeout-above-max", call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &u32), EINVAL);
	c = saved;
	c.sample_rate_hz = 1000;
	c.pulse_width_us = 118;
	expect(fd, "set-config-read-only-file", call(ro, MXRT_MAX30102_IOC_SET_CONFIG, &c), EBADF);

	/* what works: a pair only valid together, at once; then back */
	err = call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &c);
	get_config(fd, &want);
	c.size = sizeof(c);
	result(!err && same_config(&want, &c), "set-config-rate-and-pulse-width-at-once", "errno=%s now %u Hz %u us",
	       ename(err), want.sample_rate_hz, want.pulse_width_us);
	err = call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &saved);
	get_config(fd, &want);
	result(!err && same_config(&want, &saved), "set-config-back", "errno=%s", ename(err));
	/* a newer tool's zero tail is fine */
	memset(big, 0, sizeof(big));
	memcpy(big, &saved, sizeof(saved));
	((struct mxrt_max30102_ioc_config *)big)->size = sizeof(saved) + 16;
	expect(fd, "newer-tool-zero-tail", call(fd, CMD(_IOC_WRITE, MXRT_MAX30102_NR_SET_CONFIG, sizeof(saved) + 16), big),
	       0);
	/* a newer tool's GET: the driver's size back, the rest cleared */
	memset(big, 0xee, 64);
	((struct mxrt_max30102_ioc_config *)big)->size = 64;
	err = call(fd, CMD(_IOC_READ | _IOC_WRITE, MXRT_MAX30102_NR_GET_CONFIG, 64), big);
	{
		int zero = 1;

		for (i = sizeof(saved); i < 64; i++)
			zero &= big[i] == 0;
		memcpy(&want, big, sizeof(want));
		result(!err && want.size == sizeof(saved) && zero && want.sample_rate_hz == saved.sample_rate_hz,
		       "newer-tool-get-config", "errno=%s size=%u tail=%s", ename(err), want.size, zero ? "zero" : "NOT ZERO");
	}
	/* the other commands */
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	err = call(ro, MXRT_MAX30102_IOC_GET_STATS, &st);
	result(!err && st.size == sizeof(st) && st.ring_size >= 16 && st.readers >= 2 && st.chip_state <= 2 &&
		       st.irq_mode <= 2 && st.pad == 0,
	       "get-stats", "errno=%s size=%u", ename(err), st.size);
	/* a tool built before chip_resets (the first version, 312 bytes): served, and told so */
	memset(&st, 0xee, sizeof(st));
	st.size = MXRT_MAX30102_STATS_SIZE_VER0;
	err = call(ro, CMD(_IOC_READ | _IOC_WRITE, MXRT_MAX30102_NR_GET_STATS, MXRT_MAX30102_STATS_SIZE_VER0), &st);
	result(!err && st.size == MXRT_MAX30102_STATS_SIZE_VER0 && st.chip_resets == 0xeeeeeeeeeeeeeeeeull,
	       "get-stats-first-version", "errno=%s size=%u chip_resets=%llx (must be left alone)", ename(err),
	       st.size, (unsigned long long)st.chip_resets);
	memset(&v, 0xee, sizeof(v));
	v.size = sizeof(v);
	err = call(ro, MXRT_MAX30102_IOC_GET_VITALS, &v);
	result(!err && v.size == sizeof(v) && v.pad == 0 &&
		       (!(v.flags & MXRT_MAX30102_VITALS_NONE) ||
			(v.flags == MXRT_MAX30102_VITALS_NONE && !v.hr_mbpm && !v.spo2_mpct && !v.seq && !v.timestamp_ns)),
	       "get-vitals", "errno=%s size=%u", ename(err), v.size);
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	err = call(ro, MXRT_MAX30102_IOC_GET_TEMP, &t);
	result(!err && t.size == sizeof(t) && t.millicelsius > -40000 && t.millicelsius < 86000 && t.timestamp_ns > 0,
	       "get-temp", "errno=%s size=%u", ename(err), t.size);
	err = call(ro, MXRT_MAX30102_IOC_FLUSH, &u64);
	result(!err, "flush", "errno=%s", ename(err));
	err = call(ro, MXRT_MAX30102_IOC_GET_LOCK_TIMEOUT, &u32);
	result(!err && u32 == MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS, "lock-timeout-default", "errno=%s ms=%u", ename(err), u32);
	u32 = 250;
	err = call(ro, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &u32);
	u32 = 0;
	err = err ?: call(ro, MXRT_MAX30102_IOC_GET_LOCK_TIMEOUT, &u32);
	result(!err && u32 == 250, "lock-timeout-per-file", "errno=%s ms=%u", ename(err), u32);
	err = call(fd, MXRT_MAX30102_IOC_GET_LOCK_TIMEOUT, &u32);
	result(!err && u32 == MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS, "lock-timeout-other-file-unchanged", "errno=%s ms=%u",
	       ename(err), u32);
	close(ro);
	close(fd);
	return failures ? 1 : 0;
}

/* ---- fuzz ------------------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state; /* xorshift64* */

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static int fuzz(const char *dev, long n, uint64_t seed)
{
	static const uint32_t sizes[] = {0, 4, 8, 16, 36, 40, 48, 56, 64, 280, 312, 320, 4096, 4097, 16383};
	struct mxrt_max30102_ioc_config now;
	unsigned char *buf;
	long i, ok = 0, temps = 0, byerr[8] = {0};
	int fd = open(dev, O_RDWR), err;

	rng_state = seed ? seed : 1;
	buf = mmap(NULL, 2 * 4096 + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || buf == MAP_FAILED || setup_pages()) {
		perror(dev);
		return 2;
	}
	if (get_config(fd, &saved)) {
		perror("GET_CONFIG");
		return 2;
	}
	for (i = 0; i < n; i++) {
		uint32_t dir = rnd() & 3, nr, size, r = rnd() % 16;
		unsigned long cmd;
		void *arg;
		uint32_t j, len;

		/* the number: mostly the driver's magic with a plausible number */
		nr = (rnd() & 7) == 0 ? (uint32_t)rnd() & 0xff : (uint32_t)rnd() % 12;
		size = (rnd() & 3) == 0 ? (uint32_t)rnd() & 0x3fff : sizes[rnd() % (sizeof(sizes) / sizeof(sizes[0]))];
		if ((rnd() & 15) == 0)
			cmd = (unsigned long)(uint32_t)rnd();
		else
			cmd = _IOC(dir, (rnd() & 15) == 0 ? (uint32_t)rnd() & 0xff : MXRT_MAX30102_IOC_MAGIC, nr, size);
		/* the contents: random bytes, the size field often matching the number */
		len = (uint32_t)rnd() % (2 * 4096);
		for (j = 0; j < len; j += 8) {
			uint64_t x = rnd();
			memcpy(buf + j, &x, 8);
		}
		if (rnd() & 1) {
			uint32_t s = _IOC_SIZE(cmd);
			memcpy(buf, &s, 4);
		}
		if ((rnd() & 3) == 0) /* a plausible configuration */
			memcpy(buf + 8, (char *)&saved + 8, sizeof(saved) - 8);
		/* the pointer: the buffer, its end, NULL, small numbers, the guard and read-only pages,
		 * the top of the address space */
		switch (r) {
		case 0: arg = NULL; break;
		case 1: arg = (void *)(uintptr_t)(rnd() & 0xffff); break;
		case 2: arg = guard + (rnd() % page); break;
		case 3: arg = rdonly + (rnd() % 64); break;
		case 4: arg = guard - (rnd() % 300); break;
		case 5: arg = (void *)(uintptr_t)(sizeof(void *) == 8 ? 0xffff800000000000ull + (rnd() & 0xffffff)
							      : 0xfffff000u + (rnd() & 0xfff)); break;
		default: arg = buf + (rnd() & 7); break;
		}
		/* a temperature read takes 30 ms: at most 40 of them */
		if (_IOC_TYPE(cmd) == MXRT_MAX30102_IOC_MAGIC && _IOC_NR(cmd) == MXRT_MAX30102_NR_GET_TEMP && ++temps > 40)
			continue;
		err = ioctl(fd, cmd, arg) == 0 ? 0 : errno;
		ok += !err;
		switch (err) {
		case 0: byerr[0]++; break;
		case ENOTTY: byerr[1]++; break;
		case EINVAL: byerr[2]++; break;
		case EFAULT: byerr[3]++; break;
		case E2BIG: byerr[4]++; break;
		default: byerr[5]++; break;
		}
		if (err && err != ENOTTY && err != EINVAL && err != EFAULT && err != E2BIG && err != ETIMEDOUT) {
			result(0, "fuzz", "call %ld: cmd 0x%lx gave %s", i, cmd, ename(err));
			return 1;
		}
	}
	/* put the configuration back (a random call may have set a valid one) and check it */
	{
		uint32_t ms = MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS;

		err = call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	}
	saved.size = sizeof(saved);
	err = err ?: call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &saved);
	err = err ?: get_config(fd, &now);
	result(!err && same_config(&now, &saved), "fuzz",
	       "%ld calls: ok=%ld ENOTTY=%ld EINVAL=%ld EFAULT=%ld E2BIG=%ld other=%ld; configuration restored: %s", n,
	       byerr[0], byerr[1], byerr[2], byerr[3], byerr[4], byerr[5], ename(err));
	close(fd);
	return failures ? 1 : 0;
}

/* ---- lock timeouts ------------------------------------------------------------------------------ */

static const char *hold_path;

static int hold_write(const char *what)
{
	int fd = open(hold_path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, what, strlen(what)) != (ssize_t)strlen(what))
		err = errno;
	close(fd);
	return err;
}

static void *holder(void *what)
{
	return (void *)(intptr_t)hold_write(what);
}

/* waits until test_hold says the lock is held (at most 5 s) */
static int wait_holding(void)
{
	char buf[160];
	int i;

	for (i = 0; i < 5000; i++) {
		int fd = open(hold_path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (strstr(buf, "holding=1"))
				return 0;
		}
		usleep(1000);
	}
	return -1;
}

/* test_hold's count of ioctls that returned with a stray TIF_SIGPENDING (-1: unreadable) */
static long stray_sigpending(void)
{
	char buf[160], *p;
	int fd = open(hold_path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "stray_sigpending=");
	return p ? atol(p + 17) : -1;
}

/*
 * io_uring's task work, without a signal: a read of an empty pipe submitted on a ring made
 * without COOP_TASKRUN or DEFER_TASKRUN waits by poll; when the pipe is written its completion is
 * queued as task work for this thread with TWA_SIGNAL, which sets TIF_NOTIFY_SIGNAL and wakes it
 * from an interruptible wait. Raw system calls: the guests' static C programs have no liburing.
 */
static int notify_ring = -1, notify_pipe[2] = {-1, -1};

static void *notify_writer(void *arg)
{
	(void)arg;
	usleep(200 * 1000); /* while the call waits for the lock */
	return (void *)(intptr_t)(write(notify_pipe[1], "x", 1) == 1 ? 0 : errno);
}

/* 0 with a read of notify_pipe[0] submitted on notify_ring, or an errno (ENOSYS, EPERM: none) */
static int notify_submit(char *buf, unsigned **cq_tail)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes;
	unsigned *tail, *array, mask, t;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	notify_ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (notify_ring < 0 || pipe(notify_pipe) != 0)
		return errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, notify_ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, notify_ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, notify_ring,
		    IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return errno;
	tail = (unsigned *)(sq + p.sq_off.tail);
	array = (unsigned *)(sq + p.sq_off.array);
	mask = *(unsigned *)(sq + p.sq_off.ring_mask);
	t = *tail;
	memset(&sqes[t & mask], 0, sizeof(sqes[0]));
	sqes[t & mask].opcode = IORING_OP_READ;
	sqes[t & mask].fd = notify_pipe[0];
	sqes[t & mask].addr = (uint64_t)(uintptr_t)buf;
	sqes[t & mask].len = 1;
	array[t & mask] = t & mask;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, notify_ring, 1, 0, 0, NULL, 0) != 1)
		return errno;
	*cq_tail = (unsigned *)(cq + p.cq_off.tail);
	return 0;
}

static void notify_test(int fd)
{
	static const char name[] = "notification-without-signal-waits-on";
	struct mxrt_max30102_ioc_config now;
	unsigned *cq_tail = NULL;
	pthread_t h, w;
	uint32_t ms = 5000;
	uint64_t t0, took;
	char buf[1];
	int err;

	err = notify_submit(buf, &cq_tail);
	if (err == ENOSYS || err == EPERM) {
		printf("skip %s io_uring: %s (not in this kernel, or kernel.io_uring_disabled)\n", name, ename(err));
		return;
	}
	if (err) {
		result(0, name, "setup: io_uring, pipe or mmap: %s", ename(err));
		return;
	}
	pthread_create(&h, NULL, holder, "sleep 800");
	if (wait_holding()) {
		result(0, name, "test_hold never held the lock");
		return;
	}
	call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	pthread_create(&w, NULL, notify_writer, NULL);
	t0 = now_ns();
	err = get_config(fd, &now);
	took = (now_ns() - t0) / 1000000;
	pthread_join(w, NULL);
	pthread_join(h, NULL);
	/* the completion is posted: the task work ran on the way out of the call (its notification
	 * was put back; lost, nothing would run it). 6.1 hands the read to an io-wq worker from
	 * there, which posts it a little later: up to 2 s of plain sleeps (no io_uring_enter, which
	 * would run the task work itself) */
	for (t0 = now_ns(); __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == 0 && now_ns() - t0 < 2000000000ull;)
		usleep(1000);
	result(err == 0 && took >= 200 && __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == 1, name,
	       "GET_CONFIG behind an 800 ms hold, io_uring task work for this thread at 200 ms: %s after %llu ms, "
	       "completions %u (want ok once the hold ended, and 1)",
	       ename(err), (unsigned long long)took, __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE));
	close(notify_pipe[0]);
	close(notify_pipe[1]);
	close(notify_ring);
}

/*
 * A signal nothing handles: the process stopped (SIGSTOP) and continued (SIGCONT, no handler) by a
 * child while a thread waits for the lock. The wait is ended (TIF_SIGPENDING), the call restarted
 * after the continue, and it gets the lock when the hold ends; it used to fail with EINTR.
 */
static void stop_test(int fd)
{
	static const char name[] = "stop-and-continue-restarts";
	struct mxrt_max30102_ioc_config now;
	uint32_t ms = 5000;
	uint64_t t0, took;
	pthread_t h;
	pid_t child;
	int err, status = 0;

	pthread_create(&h, NULL, holder, "sleep 800");
	if (wait_holding()) {
		result(0, name, "test_hold never held the lock");
		return;
	}
	call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	child = fork();
	if (child == 0) {
		usleep(200 * 1000); /* while the call waits for the lock */
		kill(getppid(), SIGSTOP);
		usleep(100 * 1000);
		kill(getppid(), SIGCONT);
		_exit(0);
	}
	t0 = now_ns();
	err = get_config(fd, &now);
	took = (now_ns() - t0) / 1000000;
	pthread_join(h, NULL);
	if (child > 0)
		waitpid(child, &status, 0);
	result(child > 0 && err == 0 && took >= 200, name,
	       "GET_CONFIG behind an 800 ms hold, the process stopped at 200 ms and continued at 300 ms: %s after "
	       "%llu ms (want ok once the hold ended)", ename(err), (unsigned long long)took);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

static pthread_t main_thread;

static void *poke(void *arg)
{
	usleep(*(int *)arg * 1000);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static int timeout_test(const char *dev, const char *hold)
{
	struct mxrt_max30102_ioc_config c, now;
	struct mxrt_max30102_ioc_temp t;
	struct sigaction sa;
	struct timespec ten_ms = {0, 10 * 1000 * 1000};
	pthread_t h, p;
	sigset_t pending;
	uint32_t ms;
	uint64_t t0, took;
	long stray;
	int fd = open(dev, O_RDWR), err, delay = 150;

	hold_path = hold;
	if (fd < 0 || get_config(fd, &saved)) {
		perror(dev);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();

	/* 0. test_hold itself: a command it cannot read is EFAULT (it used to say EINVAL), one
	 * longer than its buffer EINVAL */
	{
		char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char longer[64];
		int hfd = open(hold, O_WRONLY), efault, einval;

		memset(longer, 'x', sizeof(longer));
		efault = hfd < 0 || none == MAP_FAILED || write(hfd, none, 9) >= 0 ? 0 : errno;
		einval = hfd < 0 || write(hfd, longer, sizeof(longer)) >= 0 ? 0 : errno;
		result(efault == EFAULT, "test-hold-unreadable-efault", "errno=%s", ename(efault));
		result(einval == EINVAL, "test-hold-too-long-einval", "errno=%s", ename(einval));
		if (hfd >= 0)
			close(hfd);
		if (none != MAP_FAILED)
			munmap(none, 4096);
	}

	/* 1. 100 ms against a 600 ms hold (sleeping, as an I2C transfer does): ETIMEDOUT after
	 * >= 100 ms, before the hold ends */
	stray = stray_sigpending();
	pthread_create(&h, NULL, holder, "sleep 600");
	if (wait_holding()) {
		result(0, "timeout-holder", "test_hold never held the lock");
		return 1;
	}
	ms = 100;
	call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	c = saved;
	c.sample_rate_hz = saved.sample_rate_hz == 200 ? 100 : 200;
	t0 = now_ns();
	err = call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &c);
	took = (now_ns() - t0) / 1000000;
	result(err == ETIMEDOUT && took >= 100, "timeout-100ms", "errno=%s after %llu ms", ename(err),
	       (unsigned long long)took);
	/* the same for a temperature read, and timeout 0 never waits */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	err = call(fd, MXRT_MAX30102_IOC_GET_TEMP, &t);
	result(err == ETIMEDOUT, "timeout-get-temp", "errno=%s", ename(err));
	ms = 0;
	call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	t0 = now_ns();
	err = get_config(fd, &now);
	took = (now_ns() - t0) / 1000000;
	result(err == ETIMEDOUT, "timeout-zero", "errno=%s after %llu ms", ename(err), (unsigned long long)took);
	/* no signal state left behind: nothing pending, a sleep is not interrupted; and no call came
	 * back with the deadline's fake TIF_SIGPENDING still set. User space never sees that flag
	 * (the way out of the call recomputes it), so only the driver's count (test_hold) can:
	 * the two timed-out calls above must not have left it. */
	sigpending(&pending);
	err = nanosleep(&ten_ms, NULL) ? errno : 0;
	stray = stray < 0 ? -1 : stray_sigpending() - stray;
	result(!sigismember(&pending, SIGUSR1) && err == 0 && usr1_seen == 0 && stray == 0, "timeout-leaves-no-signal",
	       "sleep=%s handler_ran=%d calls that returned with TIF_SIGPENDING and no signal: %ld (want 0)", ename(err),
	       (int)usr1_seen, stray);
	pthread_join(h, NULL);
	ms = MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS; /* 0 would race the acquisition thread */
	call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	err = get_config(fd, &now);
	result(!err && same_config(&now, &saved), "timeout-config-unchanged", "errno=%s", ename(err));

	/* 2. a real signal during the wait: EINTR, and the handler ran */
	pthread_create(&h, NULL, holder, "sleep 600");
	if (wait_holding()) {
		result(0, "signal-holder", "test_hold never held the lock");
		return 1;
	}
	ms = 5000;
	call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	pthread_create(&p, NULL, poke, &delay);
	t0 = now_ns();
	err = call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &c);
	took = (now_ns() - t0) / 1000000;
	pthread_join(p, NULL);
	result(err == EINTR && usr1_seen == 1, "signal-interrupts-wait", "errno=%s after %llu ms, handler ran %d time(s)",
	       ename(err), (unsigned long long)took, (int)usr1_seen);
	pthread_join(h, NULL);
	err = get_config(fd, &now);
	result(!err && same_config(&now, &saved), "signal-config-unchanged", "errno=%s", ename(err));

	/* 3. the lock comes free within the timeout: the call succeeds */
	pthread_create(&h, NULL, holder, "sleep 200");
	if (wait_holding()) {
		result(0, "wait-holder", "test_hold never held the lock");
		return 1;
	}
	ms = 5000;
	call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	err = get_config(fd, &now);
	pthread_join(h, NULL);
	result(!err && same_config(&now, &saved), "wait-then-succeed", "errno=%s", ename(err));

	/* 4. a wake-up without a signal: io_uring's task work (TWA_SIGNAL) sets TIF_NOTIFY_SIGNAL,
	 * which ends an interruptible wait as a signal would. The driver waits on (the task work
	 * runs when the call returns) and gets the lock when the hold ends; it used to fail with
	 * EINTR. Then a stop and continue, which nothing handles: the call is restarted. */
	notify_test(fd);
	stop_test(fd);
	close(fd);
	return failures ? 1 : 0;
}

/* ---- priority inheritance ------------------------------------------------------------------------- */

static int pin_fifo(int cpu, int prio)
{
	struct sched_param sp = {.sched_priority = prio};
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		return -1;
	return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) ? -1 : 0;
}

static char hold_cmd[32];
static int hog_ms;
static volatile uint64_t hog_end_ns;
static int pi_fd;
static volatile int high_err = -1;
static volatile uint64_t high_start_ns, high_end_ns;

static void *pi_holder(void *arg)
{
	(void)arg;
	if (pin_fifo(1, 10))
		return (void *)(intptr_t)-1;
	return (void *)(intptr_t)hold_write(hold_cmd);
}

static void *pi_hog(void *arg)
{
	uint64_t end;

	(void)arg;
	if (pin_fifo(1, 60))
		return (void *)(intptr_t)-1;
	end = now_ns() + (uint64_t)hog_ms * 1000000;
	while (now_ns() < end)
		;
	hog_end_ns = now_ns();
	return NULL;
}

static void *pi_high(void *arg)
{
	struct mxrt_max30102_ioc_config c;

	(void)arg;
	if (pin_fifo(1, 90))
		return (void *)(intptr_t)-1;
	high_start_ns = now_ns();
	high_err = get_config(pi_fd, &c);
	high_end_ns = now_ns();
	return NULL;
}

static int pi_test(const char *dev, const char *hold, const char *mode, int hold_ms, int hog)
{
	pthread_t h, g, hi;
	uint32_t ms = 20000;
	char buf[160] = "";
	void *rh = NULL, *rg = NULL, *rhi = NULL;
	int fd;
	ssize_t n;

	hold_path = hold;
	hog_ms = hog;
	snprintf(hold_cmd, sizeof(hold_cmd), "%s %d", mode, hold_ms);
	pi_fd = open(dev, O_RDONLY);
	if (pi_fd < 0 || call(pi_fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms)) {
		perror(dev);
		return 2;
	}
	if (pin_fifo(0, 95)) { /* the coordinator stays on CPU 0, above everything on CPU 1 */
		perror("sched_setscheduler");
		return 2;
	}
	pthread_create(&h, NULL, pi_holder, NULL);
	if (wait_holding()) {
		result(0, "pi-holder", "test_hold never held the lock");
		return 1;
	}
	pthread_create(&g, NULL, pi_hog, NULL);
	usleep(50 * 1000); /* the hog now owns CPU 1: the holder cannot run at its own priority */
	pthread_create(&hi, NULL, pi_high, NULL);
	pthread_join(hi, &rhi);
	pthread_join(g, &rg);
	pthread_join(h, &rh);
	fd = open(hold, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n > 0)
		buf[n - 1] = 0;
	if (rh || rg || rhi) {
		result(0, "pi-setup", "a thread could not be placed or the hold failed");
		return 2;
	}
	/* one line the guest script judges: the caller's wait, whether it ended before the hog did,
	 * and what test_hold saw of the holder's priority */
	printf("mode=%s result=%s waited_ms=%llu done_before_hog_end=%d %s\n", mode, ename(high_err),
	       (unsigned long long)((high_end_ns - high_start_ns) / 1000000), high_end_ns < hog_end_ns, buf);
	return 0;
}

/* ---- after unbind ------------------------------------------------------------------------------ */

static int unbound_test(const char *dev, const char *unbind, const char *client)
{
	struct mxrt_max30102_ioc_config c;
	struct mxrt_max30102_ioc_info info = {.size = sizeof(info)};
	uint64_t n;
	uint32_t ms = 100;
	int fd = open(dev, O_RDWR), u = open(unbind, O_WRONLY), err;

	if (fd < 0 || u < 0 || get_config(fd, &saved)) {
		perror(dev);
		return 2;
	}
	if (write(u, client, strlen(client)) != (ssize_t)strlen(client)) {
		perror(unbind);
		return 2;
	}
	close(u);
	err = get_config(fd, &c);
	result(err == ENODEV, "unbound-get-config", "errno=%s", ename(err));
	err = call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &saved);
	result(err == ENODEV, "unbound-set-config", "errno=%s", ename(err));
	err = call(fd, MXRT_MAX30102_IOC_GET_INFO, &info);
	result(err == ENODEV, "unbound-get-info", "errno=%s", ename(err));
	err = call(fd, MXRT_MAX30102_IOC_FLUSH, &n);
	result(err == ENODEV, "unbound-flush", "errno=%s", ename(err));
	err = call(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	result(err == ENODEV, "unbound-set-lock-timeout", "errno=%s", ename(err));
	err = call(fd, 0, NULL);
	result(err == ENOTTY, "unbound-unknown-still-enotty", "errno=%s", ename(err));
	close(fd);
	return failures ? 1 : 0;
}

/*
 * An unbind while an ioctl is inside the driver, in md_srcu's read side, with nothing the unbind
 * takes down first (misc, debugfs, hwmon) waiting for it: GET_TEMP on a slow bus (the simulator's
 * late_us: every transfer 20 ms late), where the acquisition thread holds the device lock for most
 * of the time and each of the call's steps takes tens of ms. The unbind, at SCHED_FIFO 90, begins
 * while the call sleeps in the driver; only unbind's synchronize_srcu (mx_forget_device) holds it
 * until the call is done, so the unbind must return after the call. Without that wait the unbind
 * takes the lock ahead of the call, shuts the chip down, removes the watchdogs, frees the device
 * and returns while the call still has a conversion and three slow reads to go, in freed memory.
 * The version before held the lock through debugfs test_hold, whose removal the unbind waits for
 * before it comes to md_srcu: it passed with the synchronize_srcu deleted. (A CPU hog under the
 * caller does not do: on PREEMPT_RT the unbind's synchronize_rcu then waits for the hog too.)
 */
#define UR_LATE "late_us=20000 late_every=1"
#define UR_ON_TIME "late_us=0 late_every=0"

static int ur_fd;
static int ur_call_err = -1, ur_unbind_err = -1;
static int32_t ur_millic;
static pid_t ur_call_tid;
static uint64_t ur_call_end, ur_unbind_end;
static const char *ur_unbind, *ur_client;

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ? -1 : 0;
}

static void *ur_caller(void *arg)
{
	struct mxrt_max30102_ioc_temp t;

	(void)arg;
	if (pin_cpu(1))
		return (void *)(intptr_t)-1;
	__atomic_store_n(&ur_call_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE); /* pairs with main's acquire */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	ur_call_err = call(ur_fd, MXRT_MAX30102_IOC_GET_TEMP, &t);
	ur_millic = t.millicelsius;
	ur_call_end = now_ns();
	return NULL;
}

static void *ur_unbinder(void *arg)
{
	int u;

	(void)arg;
	if (pin_fifo(0, 90))
		return (void *)(intptr_t)-1;
	u = open(ur_unbind, O_WRONLY);
	ur_unbind_err = u < 0 ? errno : write(u, ur_client, strlen(ur_client)) == (ssize_t)strlen(ur_client) ? 0 : errno;
	ur_unbind_end = now_ns();
	if (u >= 0)
		close(u);
	return NULL;
}

/* one line to the simulator's control file: 0 or an errno */
static int sim_control(const char *sim, const char *line)
{
	char path[256];
	int f, err;

	snprintf(path, sizeof(path), "%s/control", sim);
	f = open(path, O_WRONLY);
	if (f < 0)
		return errno;
	err = write(f, line, strlen(line)) == (ssize_t)strlen(line) ? 0 : errno;
	close(f);
	return err;
}

static char task_state(pid_t tid, char *wchan, size_t len);

static int unbind_race(const char *dev, const char *sim, const char *unbind, const char *client)
{
	struct mxrt_max30102_ioc_config c;
	struct timespec limit;
	char wchan[64] = "?", state = '?';
	pthread_t ch, uh;
	uint32_t ms = 10000;
	uint64_t start, t0;
	void *rc = NULL, *ru = NULL;
	int i, err, joined;
	pid_t tid;

	ur_unbind = unbind;
	ur_client = client;
	ur_fd = open(dev, O_RDONLY); /* sampling while it is open */
	if (ur_fd < 0 || call(ur_fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms) || pin_cpu(0)) {
		perror(dev);
		return 2;
	}
	err = sim_control(sim, UR_LATE);
	if (err) {
		result(0, "unbind-race-setup", "%s: %s", UR_LATE, ename(err));
		return 2;
	}
	usleep(300 * 1000); /* the acquisition thread is on the slow bus now */
	start = now_ns();
	pthread_create(&ch, NULL, ur_caller, NULL);
	/* the call sleeps in the driver: for the lock, in a transfer or in the conversion */
	for (i = 0; i < 500; i++) {
		tid = __atomic_load_n(&ur_call_tid, __ATOMIC_ACQUIRE);
		if (tid && ((state = task_state(tid, wchan, sizeof(wchan))) == 'S' || state == 'D'))
			break;
		usleep(1000);
	}
	t0 = now_ns();
	pthread_create(&uh, NULL, ur_unbinder, NULL);
	pthread_join(uh, &ru);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 10;
	joined = pthread_timedjoin_np(ch, &rc, &limit) == 0;
	err = sim_control(sim, UR_ON_TIME);
	if (rc || ru || err) {
		result(0, "unbind-race-setup", "a thread could not be placed, or %s: %s", UR_ON_TIME, ename(err));
		return 2;
	}
	/* the call had not gone in when the unbind began: the race was not run (no verdict) */
	if (state != 'S' && state != 'D')
		result(0, "unbind-race-setup", "the call was not asleep in the driver %llu ms after it began (state %c, %s)",
		       (unsigned long long)(t0 - start) / 1000000, state, wchan);
	result(ur_unbind_err == 0 && joined && ur_call_err == 0 && ur_millic > -40000 && ur_millic < 85000 &&
		       ur_call_end < ur_unbind_end,
	       "unbind-race-waiting-call-completes",
	       "GET_TEMP on a slow bus, asleep in the driver (%c %s) when the unbind began: unbind=%s after %llu ms, "
	       "the call: %s (%d mC), back %s the unbind (want ok, ok, before)",
	       state, wchan, ename(ur_unbind_err), (unsigned long long)(ur_unbind_end - t0) / 1000000,
	       joined ? ename(ur_call_err) : "not back after 10 s", (int)ur_millic,
	       !joined ? "-" : ur_call_end < ur_unbind_end ? "before" : "AFTER");
	if (!joined)
		return 1; /* the caller is stuck in the driver: exiting kills it */
	err = get_config(ur_fd, &c);
	result(err == ENODEV, "unbind-race-later-call-enodev", "errno=%s", ename(err));
	close(ur_fd);
	return failures ? 1 : 0;
}

/* ---- an unbind while a read() is stuck in its copy to user space --------------------------------- */

/*
 * Thread A reads into a page registered with a userfaultfd whose faults nobody resolves: the
 * driver's copy_to_iter waits in the fault with the file's lock (mf->lock) held. Threads B and C
 * call FLUSH and GET_STATS on the same file and wait for that lock. The unbind must not wait for
 * them: before 47fc06b they waited for mf->lock inside md_srcu's read side, which unbind's
 * synchronize_srcu waits for, so the unbind lasted as long as the fault (for ever, for a user
 * who never resolves it). The unbind runs in a thread of its own, so that a stuck one is seen
 * (10 s) and then freed by closing the userfaultfd: the read's page is then an ordinary anonymous
 * page, the copy completes, and everything unwinds (on the old driver too: no guest left hung).
 */
#define UF_UNBIND_LIMIT_MS 10000

static int uf_fd = -1;            /* the device, open for reading */
static char *uf_page;             /* registered with the userfaultfd, never touched by us */
static const char *uf_unbind, *uf_client;
static ssize_t uf_read_ret;       /* thread A's */
static int uf_read_err;
static int uf_flush_err = -1, uf_stats_err = -1;
static pid_t uf_tid[2];           /* B's and C's thread ids, for /proc/self/task */
static int uf_unbind_err = -1;
static uint64_t uf_unbind_ms;
static int uf_done[4];            /* A, B, C, unbind: set (release) once returned */

static void uf_set_done(int i)
{
	__atomic_store_n(&uf_done[i], 1, __ATOMIC_RELEASE); /* pairs with uf_is_done's acquire */
}

static int uf_is_done(int i)
{
	return __atomic_load_n(&uf_done[i], __ATOMIC_ACQUIRE); /* pairs with uf_set_done */
}

static void *uf_reader(void *arg)
{
	(void)arg;
	uf_read_ret = read(uf_fd, uf_page, (size_t)page);
	uf_read_err = uf_read_ret < 0 ? errno : 0;
	uf_set_done(0);
	return NULL;
}

static void *uf_flusher(void *arg)
{
	uint64_t n;

	(void)arg;
	__atomic_store_n(&uf_tid[0], (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED); /* read after a join or a done */
	uf_flush_err = call(uf_fd, MXRT_MAX30102_IOC_FLUSH, &n);
	uf_set_done(1);
	return NULL;
}

static void *uf_stats(void *arg)
{
	struct mxrt_max30102_ioc_stats st;

	(void)arg;
	__atomic_store_n(&uf_tid[1], (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	uf_stats_err = call(uf_fd, MXRT_MAX30102_IOC_GET_STATS, &st);
	uf_set_done(2);
	return NULL;
}

static void *uf_unbinder(void *arg)
{
	int u = open(uf_unbind, O_WRONLY);
	uint64_t t0 = now_ns();

	(void)arg;
	if (u < 0)
		uf_unbind_err = errno;
	else
		uf_unbind_err = write(u, uf_client, strlen(uf_client)) == (ssize_t)strlen(uf_client) ? 0 : errno;
	uf_unbind_ms = (now_ns() - t0) / 1000000;
	if (u >= 0)
		close(u);
	uf_set_done(3);
	return NULL;
}

/* the scheduler state of thread `tid` of this process ('S', 'D', 'R', ...; '?' unknown), and its
 * wait channel into `wchan` */
static char task_state(pid_t tid, char *wchan, size_t len)
{
	char path[64], buf[512], *p, state = '?';
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = open(path, O_RDONLY);
	n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
	if (f >= 0)
		close(f);
	if (n > 0) {
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ')
			state = p[2];
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", (int)tid);
	f = open(path, O_RDONLY);
	n = f < 0 ? -1 : read(f, wchan, len - 1);
	if (f >= 0)
		close(f);
	wchan[n > 0 ? n : 0] = 0;
	if (n <= 0)
		snprintf(wchan, len, "?");
	return state;
}

/* waits up to `ms` of CLOCK_MONOTONIC (not a count of sleeps: under emulation a 1 ms sleep can
 * last several) for thread `i` to be done; whether it is */
static int uf_wait_done(int i, int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000;

	while (!uf_is_done(i) && now_ns() < end)
		usleep(1000);
	return uf_is_done(i);
}

static void on_alarm(int sig)
{
	(void)sig; /* only ends a wait with EINTR */
}

static int uffd_unbind(const char *dev, const char *unbind, const char *client)
{
	static const char name[] = "unbind-not-held-by-a-stuck-read";
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg;
	struct uffd_msg msg;
	struct pollfd pfd;
	pthread_t a, b, c, u;
	char wchan[2][64] = {"?", "?"}, state[2] = {'?', '?'};
	int uffd, faulted = 0, waiting = 0, in_time;
	uint64_t end, released, after_ms;
	ssize_t got;

	page = sysconf(_SC_PAGESIZE);
	uf_unbind = unbind;
	uf_client = client;
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 && (errno == ENOSYS || errno == EPERM)) {
		printf("skip %s userfaultfd: %s (a kernel without it, or not allowed: vm.unprivileged_userfaultfd)\n",
		       name, ename(errno));
		return 77;
	}
	uf_page = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)uf_page;
	reg.range.len = (uint64_t)page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	uf_fd = open(dev, O_RDONLY);
	if (uffd < 0 || uf_page == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    uf_fd < 0) {
		result(0, name, "setup: userfaultfd, mmap, UFFDIO_API/REGISTER or open %s: %s", dev, ename(errno));
		return 2;
	}

	/* A: the read waits for records (the open started sampling), then copies them into the page
	 * and faults there with the file's lock held; the userfaultfd tells us when */
	pthread_create(&a, NULL, uf_reader, NULL);
	pfd.fd = uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) == 1 && read(uffd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT && msg.arg.pagefault.address - (uintptr_t)uf_page < (uint64_t)page)
		faulted = 1;

	/* FLUSH and GET_STATS wait for the file's lock no longer than the lock timeout (before this
	 * check they waited without a limit): 0 never waits (well under a second), 200 ms ends in
	 * ETIMEDOUT after 200 ms (and well within 5 s). An alarm ends a wait that has no limit
	 * (EINTR, a failure) rather than leave the guest hung: only this thread releases the fault. */
	if (faulted) {
		struct mxrt_max30102_ioc_stats st;
		struct sigaction sa;
		uint32_t ms = 0;
		uint64_t n, t0, took[4];
		int set[2], got[4];

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm; /* no SA_RESTART */
		sigaction(SIGALRM, &sa, NULL);
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		alarm(10);
		set[0] = call(uf_fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
		t0 = now_ns();
		got[0] = call(uf_fd, MXRT_MAX30102_IOC_FLUSH, &n);
		took[0] = (now_ns() - t0) / 1000000;
		t0 = now_ns();
		got[1] = call(uf_fd, MXRT_MAX30102_IOC_GET_STATS, &st);
		took[1] = (now_ns() - t0) / 1000000;
		ms = 200;
		set[1] = call(uf_fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
		t0 = now_ns();
		got[2] = call(uf_fd, MXRT_MAX30102_IOC_FLUSH, &n);
		took[2] = (now_ns() - t0) / 1000000;
		t0 = now_ns();
		got[3] = call(uf_fd, MXRT_MAX30102_IOC_GET_STATS, &st);
		took[3] = (now_ns() - t0) / 1000000;
		alarm(0);
		result(set[0] == 0 && set[1] == 0 && got[0] == ETIMEDOUT && took[0] < 1000 && got[1] == ETIMEDOUT &&
			       took[1] < 1000 && got[2] == ETIMEDOUT && took[2] >= 200 && took[2] < 5000 &&
			       got[3] == ETIMEDOUT && took[3] >= 200 && took[3] < 5000,
		       "stuck-read-calls-time-out",
		       "timeout 0 (set: %s): FLUSH %s after %llu ms, GET_STATS %s after %llu ms; timeout 200 ms (set: "
		       "%s): FLUSH %s after %llu ms, GET_STATS %s after %llu ms",
		       ename(set[0]), ename(got[0]), (unsigned long long)took[0], ename(got[1]),
		       (unsigned long long)took[1], ename(set[1]), ename(got[2]), (unsigned long long)took[2],
		       ename(got[3]), (unsigned long long)took[3]);
		ms = MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS; /* B and C below must outlast the unbind */
		call(uf_fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms);
	}

	/* B and C: wait for the file's lock (in 'S', mutex_lock_interruptible) behind A, with the
	 * longest lock timeout (60 s), past the unbind's 10 s limit */
	pthread_create(&b, NULL, uf_flusher, NULL);
	pthread_create(&c, NULL, uf_stats, NULL);
	for (end = now_ns() + 5000000000ull; !waiting && now_ns() < end;) {
		usleep(1000);
		waiting = 1;
		for (int t = 0; t < 2; t++) {
			pid_t tid = __atomic_load_n(&uf_tid[t], __ATOMIC_RELAXED);

			state[t] = tid ? task_state(tid, wchan[t], sizeof(wchan[t])) : '?';
			waiting &= state[t] == 'S' || state[t] == 'D';
		}
	}
	usleep(500 * 1000); /* B and C are well inside the driver, past any state seen on the way */
	waiting &= !uf_is_done(1) && !uf_is_done(2) && !uf_is_done(0);
	for (int t = 0; t < 2; t++)
		state[t] = task_state(uf_tid[t], wchan[t], sizeof(wchan[t]));

	/* the unbind: on time, or still stuck after UF_UNBIND_LIMIT_MS */
	pthread_create(&u, NULL, uf_unbinder, NULL);
	in_time = uf_wait_done(3, UF_UNBIND_LIMIT_MS);

	/* release the fault: with the userfaultfd closed the page is an ordinary one, A's copy
	 * completes, A gives the lock to B and C, and (old driver) the unbind then finishes too */
	released = now_ns();
	close(uffd);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	pthread_join(u, NULL);
	after_ms = (now_ns() - released) / 1000000; /* all four returned within this after the release */

	result(faulted && waiting && in_time && uf_unbind_err == 0, name,
	       "read stuck in its copy: %s; FLUSH and GET_STATS waiting: %s (%c %s, %c %s); unbind=%s after %llu ms%s; "
	       "all returned %llu ms after the fault was released",
	       faulted ? "yes" : "NO (no userfault within 10 s)", waiting ? "yes" : "NO", state[0], wchan[0], state[1],
	       wchan[1], ename(uf_unbind_err), (unsigned long long)uf_unbind_ms,
	       in_time ? "" : ", over the 10 s limit: held up by the stuck read", (unsigned long long)after_ms);
	/* B and C got the lock after the unbind (A released it only then): the device was gone */
	result(uf_flush_err == ENODEV && uf_stats_err == ENODEV, "stuck-read-waiting-calls-enodev",
	       "FLUSH: %s, GET_STATS: %s (want ENODEV)", ename(uf_flush_err), ename(uf_stats_err));
	got = uf_read_ret;
	result((got > 0 && got % MXRT_MAX30102_RECORD_SIZE == 0) || (got < 0 && uf_read_err == EFAULT),
	       "stuck-read-returns", "read=%zd %s", got, ename(uf_read_err));
	close(uf_fd);
	munmap(uf_page, (size_t)page);
	return failures ? 1 : 0;
}

/*
 * A reader the ring laps before it flushes (the device sampling fast, the reader asleep for more
 * than a ring's worth of records): FLUSH discards only what the ring still held (at most its
 * size), what was overwritten is an overrun (file_overruns, file_lost), and the next record has
 * FLUSHED and READER_OVERRUN with the whole gap in lost. Until 2026-12-06 FLUSH returned the
 * whole distance to the head and the overrun went unsaid.
 */
static int lapflush_test(const char *dev, const char *ring_size)
{
	struct mxrt_max30102_ioc_config c;
	struct mxrt_max30102_ioc_stats st;
	struct mxrt_max30102_record a, b;
	uint64_t ring = strtoull(ring_size, NULL, 10), n = 0, ms;
	int fd = open(dev, O_RDONLY), err;

	if (fd < 0 || get_config(fd, &c) || !c.sample_rate_hz || !ring) {
		perror(dev);
		return 2;
	}
	if (read(fd, &a, sizeof(a)) != (ssize_t)sizeof(a)) {
		perror("read");
		return 2;
	}
	/* twice a ring's time, and at least one second: the ring is lapped for sure */
	ms = 2000 * ring * (c.sample_average ? c.sample_average : 1) / c.sample_rate_hz + 1000;
	usleep((useconds_t)(ms * 1000));
	err = call(fd, MXRT_MAX30102_IOC_FLUSH, &n);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	err = err ?: call(fd, MXRT_MAX30102_IOC_GET_STATS, &st);
	if (err || read(fd, &b, sizeof(b)) != (ssize_t)sizeof(b)) {
		result(0, "lapped-flush", "FLUSH/GET_STATS/read: %s", ename(err ?: errno));
		return 1;
	}
	printf("info after %llu ms at %u Hz with ring_size %llu: FLUSH returned %llu; file_overruns %llu "
	       "file_lost %llu file_flushes %llu file_flushed %llu; next record seq %llu (first %llu) "
	       "lost %u flags %#x\n",
	       (unsigned long long)ms, c.sample_rate_hz, (unsigned long long)ring, (unsigned long long)n,
	       (unsigned long long)st.file_overruns, (unsigned long long)st.file_lost,
	       (unsigned long long)st.file_flushes, (unsigned long long)st.file_flushed,
	       (unsigned long long)b.seq, (unsigned long long)a.seq, b.lost, b.flags);
	result(n > 0 && n <= ring && st.file_flushed == n && st.file_flushes == 1, "lapped-flush-discards-what-the-ring-held",
	       "returned %llu, ring %llu", (unsigned long long)n, (unsigned long long)ring);
	result(st.file_overruns == 1 && st.file_lost > 0, "lapped-flush-counts-the-overrun", "file_overruns %llu file_lost %llu",
	       (unsigned long long)st.file_overruns, (unsigned long long)st.file_lost);
	result((b.flags & MXRT_MAX30102_REC_FLUSHED) && (b.flags & MXRT_MAX30102_REC_READER_OVERRUN) &&
		       b.seq == a.seq + 1 + b.lost,
	       "lapped-flush-next-record-says-both", "flags %#x, seq %llu after %llu with lost %u", b.flags,
	       (unsigned long long)b.seq, (unsigned long long)a.seq, b.lost);
	close(fd);
	return failures ? 1 : 0;
}

static int evtime(const char *path, int seconds)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK), clk = CLOCK_MONOTONIC;
	struct timespec start, now;

	if (fd < 0 || ioctl(fd, EVIOCSCLOCKID, &clk) != 0) {
		fprintf(stderr, "evtime: %s: %s\n", path, strerror(errno));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct input_event ev[64];
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= seconds)
			break;
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return 2;
		n = read(fd, ev, sizeof(ev));
		for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(ev[0]); i++)
			if (ev[i].type == EV_KEY || ev[i].type == EV_ABS)
				printf("event %u %u %d %llu.%06llu\n", ev[i].type, ev[i].code, ev[i].value,
				       (unsigned long long)ev[i].input_event_sec,
				       (unsigned long long)ev[i].input_event_usec);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "table"))
		return table(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "fuzz")) {
		page = sysconf(_SC_PAGESIZE);
		return fuzz(argv[2], atol(argv[3]), strtoull(argv[4], NULL, 0));
	}
	if (argc == 4 && !strcmp(argv[1], "timeout"))
		return timeout_test(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "unbound"))
		return unbound_test(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "unbind-race"))
		return unbind_race(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 5 && !strcmp(argv[1], "uffd-unbind"))
		return uffd_unbind(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "lapflush"))
		return lapflush_test(argv[2], argv[3]);
	if (argc == 7 && !strcmp(argv[1], "pi"))
		return pi_test(argv[2], argv[3], argv[4], atoi(argv[5]), atoi(argv[6]));
	if (argc == 4 && !strcmp(argv[1], "evtime"))
		return evtime(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: %s table DEV | fuzz DEV N SEED | timeout DEV TEST_HOLD |\n"
			"       unbound DEV UNBIND CLIENT | unbind-race DEV SIM UNBIND CLIENT |\n"
			"       uffd-unbind DEV UNBIND CLIENT | lapflush DEV RING_SIZE |\n"
			"       pi DEV TEST_HOLD pi|nopi HOLD_MS HOG_MS | evtime EVDEV SECONDS\n", argv[0]);
	return 2;
}
