/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Runs in: user space (C, C++, BPF) and the kernel (driver shim and C++ core).
 *
 * The user-space ABI of the mxrt_max30102 driver: the record that read() on /dev/max30102-N returns.
 * Every field has a fixed size and offset on every architecture (checked at build time).
 *
 * Reading: read() returns whole records only (a buffer smaller than one record gets -EINVAL); it
 * blocks until at least one record is there unless O_NONBLOCK (then -EAGAIN); poll() reports POLLIN.
 * Each open file is an independent reader that starts at the newest sample; threads sharing a file
 * share its reader (each record goes to one of them). A read() that fails (EFAULT) consumes nothing.
 *
 * Continuity: for two records a, b returned one after the other to the same reader,
 *     b.seq == a.seq + 1 + b.lost
 * always holds, but for one limit: lost is 32 bits and stops at 0xffffffff, so a reader that
 * stopped reading for more than 2^32 - 1 samples (15.5 days at 3200 Hz) gets that, and seq (64 bits)
 * tells the whole gap. lost > 0 says why in flags: this reader fell behind the ring (READER_OVERRUN), the
 * sensor's FIFO overflowed before the driver could read it (FIFO_OVERFLOW), or both. Every sample
 * the sensor took reaches the reader or is counted in lost, with one exception: the unread samples
 * of a chip that lost power (no register says how many; the RESTART record's time gap shows how
 * long). A restart (RESTART) discards nothing; its record may report, with FIFO_OVERFLOW, what the
 * FIFO lost before it. A flush (MXRT_MAX30102_IOC_FLUSH) discards what this reader had not
 * read yet; the next record reports it (FLUSHED). See docs/max30102.md, "What is counted as lost".
 *
 * Control: the ioctls below (configuration, statistics, vitals, temperature, flush, device
 * information, this file's lock timeout). Reference: docs/max30102.md, "The ioctl interface".
 */
#ifndef MXRT_UAPI_MAX30102_H
#define MXRT_UAPI_MAX30102_H

/*
 * Types. The kernel's C++ core (MXRT_FREESTANDING) and BPF programs built on a generated vmlinux.h
 * (__VMLINUX_H__) include no kernel header: they get the compiler's own types, which are the
 * kernel's on every architecture. Everything else gets <linux/types.h> and, for the ioctl
 * numbers, <linux/ioctl.h>.
 */
#if defined(MXRT_FREESTANDING) || defined(__VMLINUX_H__)
typedef __UINT16_TYPE__ mxrt_uapi_u16;
typedef __UINT32_TYPE__ mxrt_uapi_u32;
typedef __INT32_TYPE__ mxrt_uapi_s32;
typedef unsigned long long mxrt_uapi_u64; /* as the kernel's __u64 on every architecture */
/* __aligned_u64: 8-byte aligned also where the ABI aligns 64-bit integers to 4 (i386) */
typedef unsigned long long mxrt_uapi_aligned_u64 __attribute__((aligned(8)));
#else
#include <linux/ioctl.h>
#include <linux/types.h>
typedef __u16 mxrt_uapi_u16;
typedef __u32 mxrt_uapi_u32;
typedef __s32 mxrt_uapi_s32;
typedef __u64 mxrt_uapi_u64;
typedef __aligned_u64 mxrt_uapi_aligned_u64;
#endif

/* record.flags */
#define MXRT_MAX30102_REC_READER_OVERRUN 0x0001 /* this reader was overtaken by the producer */
#define MXRT_MAX30102_REC_FIFO_OVERFLOW 0x0002  /* the sensor FIFO overflowed (OVF_COUNTER) */
/*
 * The chip was (re)started before this sample: resume, a configuration change, or the configuration
 * written again after a bus error. Nothing is discarded by a restart (the FIFO is read out before
 * the chip stops), so seq continues; the time since the previous record was not sampled.
 */
#define MXRT_MAX30102_REC_RESTART 0x0004
#define MXRT_MAX30102_REC_IRQ 0x0008 /* this sample raised the interrupt: its timestamp is the IRQ's */
/*
 * This reader flushed (MXRT_MAX30102_IOC_FLUSH) since its previous record: lost includes the
 * records the flush discarded (and READER_OVERRUN is set as well if the reader fell behind the
 * ring before or after the flush: what the ring had overwritten before the flush is an overrun,
 * not the flush's). Only on the first record after a flush that discarded something, and only if
 * the reader had returned a record before the flush.
 */
#define MXRT_MAX30102_REC_FLUSHED 0x0010

struct mxrt_max30102_record {
	mxrt_uapi_u64 seq;          /* sample number since the device was bound, from 0 */
	mxrt_uapi_u64 timestamp_ns; /* CLOCK_MONOTONIC: when the sensor took the sample (estimated
				     * from the interrupt timestamp and the sample period) */
	mxrt_uapi_u32 red;          /* ADC counts, right-justified, adc_bits wide */
	mxrt_uapi_u32 ir;           /* 0 in HR (red-only) mode */
	mxrt_uapi_u16 flags;        /* MXRT_MAX30102_REC_* */
	mxrt_uapi_u16 adc_bits;     /* 15..18, from the pulse width */
	mxrt_uapi_u32 lost;         /* samples lost right before this one (see above) */
};

#define MXRT_MAX30102_RECORD_SIZE 32

/*
 * The input device "MAX30102 pulse oximeter" (/dev/input/eventN; docs/max30102.md, "Heart rate
 * and SpO2"). EV_ABS codes from ABS_MISC up, as HID numbers usages that have no code of their own
 * (ABS_MISC + n); each value is sent when it changes, with the time of the record at which it
 * was evaluated, and 0 means "no valid value":
 *   MXRT_MAX30102_ABS_HEART_RATE  heart rate in 0.1 bpm, 0..2500
 *   MXRT_MAX30102_ABS_SPO2        SpO2 in 0.1 %, 0..1000
 *   MXRT_MAX30102_ABS_CONFIDENCE  0..100 (0 without a valid heart rate)
 * and EV_KEY BTN_TOUCH: 1 while a finger is on the sensor.
 */
#define MXRT_MAX30102_ABS_HEART_RATE 0x28 /* ABS_MISC */
#define MXRT_MAX30102_ABS_SPO2 0x29	  /* ABS_MISC + 1 */
#define MXRT_MAX30102_ABS_CONFIDENCE 0x2a /* ABS_MISC + 2 */

/* ---- ioctls ------------------------------------------------------------------------------------
 *
 * Magic 0xB9, numbers 0x00..0x1f (0xB9 is free in the kernel's ioctl-number.rst as of 6.12).
 * Every structure has the same size and offsets on every architecture (64-bit fields are
 * __aligned_u64, padding is explicit): 32-bit programs on a 64-bit kernel use the same numbers and
 * layouts (compat_ioctl). The sizes and offsets are checked at build time for x86_64, i386, arm64,
 * armhf and BPF (tests/include/uapi/mxrt/max30102_abi.c).
 *
 * Extensible structures (the ones that start with `size`), as the kernel's own (sched_setattr,
 * openat2, clone3): the caller sets size = sizeof(its struct), which must also be the size its
 * command number carries (the macros below do both from one sizeof). Fields are only ever added at
 * the end; the first version's size is MXRT_MAX30102_*_SIZE_VER0.
 *   - size below the first version's, or different from the command number's size: EINVAL;
 *     above 4096: E2BIG.
 *   - Input (SET_CONFIG): a caller's struct shorter than the driver's is read as if the missing
 *     fields were 0 (a newer driver gives every new field a meaning at 0 that keeps the old
 *     behaviour); a longer one is accepted only if every byte past the driver's struct is 0,
 *     else E2BIG and nothing changes (copy_struct_from_user).
 *   - Output (GET_*): the driver writes min(size, its own size) bytes and stores that number in
 *     size; bytes of the caller's struct past it are set to 0. So a caller that sees size smaller
 *     than its own struct knows the driver is older and the fields after `size` were not filled.
 * The driver recognises a command by its type, number and direction, not by the size in the
 * number, so that a tool built with a newer header works with an older driver and the reverse.
 * Anything not a command of this driver (another magic, number or direction; a scalar command
 * with another size) is ENOTTY.
 *
 * Waiting: a command that needs the device lock (configuration, statistics, temperature) waits
 * for it at most this file's lock timeout (MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, default 1000 ms),
 * with priority inheritance while it waits, and then fails with ETIMEDOUT having changed nothing
 * (a holder that runs on without sleeping, boosted to the caller's priority, is noticed only when
 * it sleeps or releases: see docs/max30102.md, "What it does not bound").
 * FLUSH and GET_STATS also wait for the file's reader lock (a read() on the same file holds it
 * while it copies to user space); that wait and the device lock's together end by the same
 * timeout. GET_TEMP takes the lock for each step of a conversion; its waits together end by the
 * timeout, which the conversion's own time (about 30 ms, the lock not held) does not count
 * against. The timeout, not O_NONBLOCK, says how long a command may wait: 0 never waits.
 * A signal whose handler runs ends the wait with EINTR (not restarted, even with SA_RESTART:
 * the timeout would start again); a stop and continue, ptrace or the freezer restart the call;
 * io_uring's task work does not end the wait (it runs when the call returns). After the
 * device is unbound every command fails with ENODEV.
 */
#define MXRT_MAX30102_IOC_MAGIC 0xB9
#define MXRT_MAX30102_ABI_VERSION 1
#define MXRT_MAX30102_IOC_MAX_SIZE 4096 /* a larger size is E2BIG */

/* the command numbers (the _IOC_NR field) */
#define MXRT_MAX30102_NR_GET_INFO 0x00
#define MXRT_MAX30102_NR_GET_CONFIG 0x01
#define MXRT_MAX30102_NR_SET_CONFIG 0x02
#define MXRT_MAX30102_NR_GET_STATS 0x03
#define MXRT_MAX30102_NR_GET_VITALS 0x04
#define MXRT_MAX30102_NR_GET_TEMP 0x05
#define MXRT_MAX30102_NR_FLUSH 0x06
#define MXRT_MAX30102_NR_GET_LOCK_TIMEOUT 0x07
#define MXRT_MAX30102_NR_SET_LOCK_TIMEOUT 0x08

/* Device information. */
#define MXRT_MAX30102_INFO_IRQ 0x0001 /* interrupt-driven (else the driver polls the FIFO) */
struct mxrt_max30102_ioc_info {
	mxrt_uapi_u32 size;         /* in: sizeof(struct); out: bytes filled */
	mxrt_uapi_u32 abi_version;  /* MXRT_MAX30102_ABI_VERSION of the driver */
	mxrt_uapi_u32 part_id;      /* PART_ID register: 0x15 */
	mxrt_uapi_u32 revision_id;  /* REV_ID register */
	mxrt_uapi_u32 device_index; /* N of /dev/max30102-N */
	mxrt_uapi_u32 flags;        /* MXRT_MAX30102_INFO_* */
	char driver_version[32];    /* NUL-terminated, e.g. "1.0.0" */
};
#define MXRT_MAX30102_INFO_SIZE_VER0 56

/* The configuration, in the units of the sysfs files (docs/max30102.md, "sysfs"). */
#define MXRT_MAX30102_MODE_HR 2    /* red only */
#define MXRT_MAX30102_MODE_SPO2 3  /* red and IR */
#define MXRT_MAX30102_MODE_MULTI 7 /* multi-LED: slot 1 red, slot 2 IR */
struct mxrt_max30102_ioc_config {
	mxrt_uapi_u32 size;             /* in: sizeof(struct); out: bytes filled */
	mxrt_uapi_u32 flags;            /* 0 (SET_CONFIG: anything else is EINVAL) */
	mxrt_uapi_u32 mode;             /* MXRT_MAX30102_MODE_* */
	mxrt_uapi_u32 sample_rate_hz;   /* 50, 100, 200, 400, 800, 1000, 1600, 3200 */
	mxrt_uapi_u32 pulse_width_us;   /* 69, 118, 215, 411 (15..18-bit ADC); only the datasheet's
					 * rate/pulse-width pairs */
	mxrt_uapi_u32 adc_range_na;     /* 2048, 4096, 8192, 16384 */
	mxrt_uapi_u32 sample_average;   /* 1, 2, 4, 8, 16, 32 */
	mxrt_uapi_u32 fifo_almost_full; /* 17..32 unread samples raise the interrupt */
	mxrt_uapi_u32 red_current_ua;   /* 0..51000 in steps of 200 */
	mxrt_uapi_u32 ir_current_ua;    /* 0..51000 in steps of 200 */
};
#define MXRT_MAX30102_CONFIG_SIZE_VER0 40

/* stats.chip_state, as sysfs `status` */
#define MXRT_MAX30102_CHIP_SUSPENDED 0
#define MXRT_MAX30102_CHIP_RUNNING 1
#define MXRT_MAX30102_CHIP_RETRYING 2 /* a write to the chip failed: the configuration is written again */
/* stats.irq_mode */
#define MXRT_MAX30102_IRQ_POLLING 0       /* no interrupt: the driver polls */
#define MXRT_MAX30102_IRQ_ACTIVE 1        /* interrupt-driven */
#define MXRT_MAX30102_IRQ_STUCK_POLLING 2 /* the line was found stuck: polling for a while */

/*
 * Statistics: the driver's counters (what debugfs `stats` shows; docs/max30102.md says what each
 * means) and this open file's. Not one snapshot, but three reads, one after the other: the file's
 * counters (file_*) under its reader lock; then, under the device lock, the acquisition's
 * (samples, bursts, fifo_*, reanchors, max_backlog, next_seq, chip_resets, chip_state), ring_size,
 * ring_head and boosts, which agree with one another; then the rest, each counter read on its
 * own. The interrupt's counters (irqs ... polls, irq_watchdog_expiries, irq_mode) are read while
 * the device lock is held but are bumped without it. So a burst or an interrupt between the
 * reads shows in one group and not yet in another.
 */
struct mxrt_max30102_ioc_stats {
	mxrt_uapi_u32 size; /* in: sizeof(struct); out: bytes filled */
	mxrt_uapi_u32 readers;
	/* acquisition */
	mxrt_uapi_aligned_u64 samples, bursts, fifo_overflows, fifo_lost, fifo_lost_estimated;
	mxrt_uapi_aligned_u64 reanchors, max_backlog, next_seq;
	/* the interrupt */
	mxrt_uapi_aligned_u64 irqs, irq_spurious, irq_missed, irq_stuck, polls;
	/* bus, priority, temperature, system sleep */
	mxrt_uapi_aligned_u64 i2c_errors, boosts, temp_reads, system_suspends, system_resumes;
	/* the ring and the readers that closed */
	mxrt_uapi_aligned_u64 ring_head, ring_resizes, ring_syncs, ring_last_sync_ns;
	mxrt_uapi_aligned_u64 reader_overruns_closed, reader_lost_closed;
	/* interrupt-to-reader latency (ns; p50/p99 estimated inside their log2 bucket) */
	mxrt_uapi_aligned_u64 latency_count, latency_p50_ns, latency_p99_ns, latency_max_ns;
	/* this open file */
	mxrt_uapi_aligned_u64 file_overruns; /* times it fell behind the ring */
	mxrt_uapi_aligned_u64 file_lost;     /* records it lost to that (not the sensor's losses among them) */
	mxrt_uapi_aligned_u64 file_flushes;  /* flushes that discarded something */
	mxrt_uapi_aligned_u64 file_flushed;  /* records they discarded */
	mxrt_uapi_u32 ring_size;
	mxrt_uapi_u32 chip_state; /* MXRT_MAX30102_CHIP_* */
	mxrt_uapi_u32 irq_mode;   /* MXRT_MAX30102_IRQ_* */
	mxrt_uapi_u32 pad;        /* 0 */
	/* the stuck-bus guard and the lost-interrupt watchdog (debugfs `stats`, sysfs `bus_stuck`) */
	mxrt_uapi_aligned_u64 bus_stuck;             /* I2C sequences that overran bus_timeout_ms */
	mxrt_uapi_aligned_u64 bus_recoveries;        /* bus recoveries that freed the bus */
	mxrt_uapi_aligned_u64 bus_reinits;           /* chip re-initialisations after a stuck bus */
	mxrt_uapi_aligned_u64 irq_watchdog_expiries; /* windows without an interrupt that were looked into */
	/* since VER1 (an older driver fills up to VER0 and says so in size) */
	mxrt_uapi_aligned_u64 chip_resets; /* power-on resets found while sampling (PWR_RDY, MODE_CONFIG) */
};
#define MXRT_MAX30102_STATS_SIZE_VER0 312
#define MXRT_MAX30102_STATS_SIZE_VER1 320

/* The latest vitals (docs/vitals.md). flags: */
#define MXRT_MAX30102_VITALS_HR_VALID 0x0001     /* hr_mbpm is a measurement */
#define MXRT_MAX30102_VITALS_SPO2_VALID 0x0002   /* spo2_mpct is a measurement */
#define MXRT_MAX30102_VITALS_FINGER_VALID 0x0004 /* enough samples to say whether a finger is there */
#define MXRT_MAX30102_VITALS_FINGER 0x0008       /* a finger is on the sensor (with FINGER_VALID) */
#define MXRT_MAX30102_VITALS_MOTION 0x0010       /* motion: no beat is detected now; HR and SpO2
						  * keep their last values until they expire (3 s
						  * after the last beat that confirmed them) */
#define MXRT_MAX30102_VITALS_CLIPPING 0x0020     /* a channel is at the ADC's full scale */
#define MXRT_MAX30102_VITALS_LOW_RATE 0x0040     /* output rate below 12.5 Hz: no HR or SpO2 */
/* No output of the estimator since it (re)started: vitals off; never fed since switched on or
 * bound; or withdrawn, until the next burst, at a runtime suspend, a configuration change, or
 * when no record came for about 3 s (docs/max30102.md). Every other field is 0. From the
 * first burst on, the output is there, with flags 0 until 100 ms of samples tell the finger. */
#define MXRT_MAX30102_VITALS_NONE 0x8000
struct mxrt_max30102_ioc_vitals {
	mxrt_uapi_u32 size;                 /* in: sizeof(struct); out: bytes filled */
	mxrt_uapi_u32 flags;                /* MXRT_MAX30102_VITALS_* */
	mxrt_uapi_aligned_u64 timestamp_ns; /* timestamp_ns of the record the values were evaluated at */
	mxrt_uapi_aligned_u64 seq;          /* ... and its seq */
	mxrt_uapi_u32 hr_mbpm;              /* heart rate, 1/1000 beats per minute (0 unless HR_VALID) */
	mxrt_uapi_u32 spo2_mpct;            /* SpO2, 1/1000 % (0 unless SPO2_VALID) */
	mxrt_uapi_u32 confidence;           /* 0..100 */
	mxrt_uapi_u32 pad;                  /* 0 */
};
#define MXRT_MAX30102_VITALS_SIZE_VER0 40

/* The die temperature, read now (a conversion takes about 30 ms). */
struct mxrt_max30102_ioc_temp {
	mxrt_uapi_u32 size;                 /* in: sizeof(struct); out: bytes filled */
	mxrt_uapi_s32 millicelsius;         /* -128000..127937, rounded down to 1/16 degree */
	mxrt_uapi_aligned_u64 timestamp_ns; /* CLOCK_MONOTONIC when it was read */
};
#define MXRT_MAX30102_TEMP_SIZE_VER0 16

/* This file's lock timeout, in ms: 0 (never wait) .. MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS. */
#define MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS 1000
#define MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS 60000

#ifdef _IOWR
#define MXRT_MAX30102_IOC_GET_INFO \
	_IOWR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_GET_INFO, struct mxrt_max30102_ioc_info)
#define MXRT_MAX30102_IOC_GET_CONFIG \
	_IOWR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_GET_CONFIG, struct mxrt_max30102_ioc_config)
/* Needs the file open for writing (EBADF otherwise); EINVAL and nothing changes for a value the
 * chip does not have or a rate/pulse-width pair it does not allow; a bus error: its errno, and the
 * previous configuration is written again. */
#define MXRT_MAX30102_IOC_SET_CONFIG \
	_IOW(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_SET_CONFIG, struct mxrt_max30102_ioc_config)
#define MXRT_MAX30102_IOC_GET_STATS \
	_IOWR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_GET_STATS, struct mxrt_max30102_ioc_stats)
#define MXRT_MAX30102_IOC_GET_VITALS \
	_IOWR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_GET_VITALS, struct mxrt_max30102_ioc_vitals)
#define MXRT_MAX30102_IOC_GET_TEMP \
	_IOWR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_GET_TEMP, struct mxrt_max30102_ioc_temp)
/*
 * Discards what this file's reader has not read yet; out: how many records that was, of those the
 * ring still held (what it had overwritten already is an overrun: file_overruns, file_lost).
 */
#define MXRT_MAX30102_IOC_FLUSH _IOR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_FLUSH, mxrt_uapi_u64)
#define MXRT_MAX30102_IOC_GET_LOCK_TIMEOUT \
	_IOR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_GET_LOCK_TIMEOUT, mxrt_uapi_u32)
#define MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT \
	_IOW(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_SET_LOCK_TIMEOUT, mxrt_uapi_u32)
#endif

#endif /* MXRT_UAPI_MAX30102_H */
