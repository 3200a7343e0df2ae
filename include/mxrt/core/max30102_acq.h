/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (the driver's acquisition thread; implemented by kernel/core/max30102_acq.cpp)
 * and user space (tests).
 *
 * Turns the bytes of one FIFO burst into records: decodes each channel at the ADC resolution,
 * numbers the samples, stamps them on a sample clock anchored at the interrupt timestamp, and
 * accounts for FIFO overflow (OVF_COUNTER, which saturates at 31: beyond that the gap is estimated
 * from the time that passed). The caller (one thread, under the device lock) pushes the records.
 */
#ifndef MXRT_CORE_MAX30102_ACQ_H
#define MXRT_CORE_MAX30102_ACQ_H

#include <mxrt/abi.h>
#include <mxrt/uapi/max30102.h>

MXRT_EXTERN_C_BEGIN

struct mxrt_acq {
	/* configuration (mxrt_acq_configure) */
	mxrt_u64 period_ns;
	mxrt_u32 channels, adc_bits, mode;
	mxrt_u32 restart; /* the next record gets MXRT_MAX30102_REC_RESTART */
	/* state */
	mxrt_u64 next_seq;
	mxrt_u64 last_ts; /* timestamp of the last record, 0 = none since restart */
	/* counters */
	mxrt_u64 samples, bursts, fifo_overflows, lost, lost_estimated, reanchors;
};

/* (Re)starts the sample clock for a configuration: mode and channels as in MODE_CONFIG. */
void mxrt_acq_configure(struct mxrt_acq *acq, mxrt_u32 mode, mxrt_u32 sample_rate_hz,
			mxrt_u32 average, mxrt_u32 pulse_width_us) MXRT_NOEXCEPT;

/* Bytes one sample takes in the FIFO for the current configuration. */
mxrt_u32 mxrt_acq_sample_bytes(const struct mxrt_acq *acq) MXRT_NOEXCEPT;

/*
 * Decodes n samples from buf (n * sample_bytes), oldest first, into out[n]. @ovf: OVF_COUNTER as
 * read before the burst. @anchor_ts: a timestamp at which sample @anchor (an index into this burst)
 * had just been taken (the IRQ timestamp and the sample that raised it, or the time the pointers
 * were read and the newest sample).
 */
void mxrt_acq_decode(struct mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u32 ovf,
		     mxrt_u32 anchor, mxrt_u64 anchor_ts,
		     struct mxrt_max30102_record *out) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_CORE_MAX30102_ACQ_H */
