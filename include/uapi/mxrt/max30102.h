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
 * always holds. lost > 0 says why in flags: this reader fell behind the ring (READER_OVERRUN), the
 * sensor's FIFO overflowed before the driver could read it (FIFO_OVERFLOW), or both. Every sample
 * the sensor took reaches the reader or is counted in lost, with one exception: samples that a FIFO
 * read failing part-way (a bus timeout mid-transfer) had already taken out of the chip. A restart
 * (RESTART) loses nothing. See docs/max30102.md, "What is counted as lost".
 */
#ifndef MXRT_UAPI_MAX30102_H
#define MXRT_UAPI_MAX30102_H

#ifdef MXRT_FREESTANDING /* the kernel's C++ core: no kernel headers, the compiler's own types */
typedef __UINT16_TYPE__ mxrt_uapi_u16;
typedef __UINT32_TYPE__ mxrt_uapi_u32;
typedef unsigned long long mxrt_uapi_u64; /* as the kernel's __u64 on every architecture */
#else
#include <linux/types.h>
typedef __u16 mxrt_uapi_u16;
typedef __u32 mxrt_uapi_u32;
typedef __u64 mxrt_uapi_u64;
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
 * The input device "MAX30102 pulse oximeter" (/dev/input/eventN; docs/max30102.md, "Input
 * events"). EV_ABS codes from ABS_MISC up, as HID numbers usages that have no code of their own
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

#endif /* MXRT_UAPI_MAX30102_H */
