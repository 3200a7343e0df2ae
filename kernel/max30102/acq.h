/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (the driver's acquisition thread; implemented by kernel/max30102/acq.cpp)
 * and user space (tests).
 *
 * Turns the bytes of one FIFO burst into records: decodes each channel at the ADC resolution,
 * numbers the samples, stamps them on a sample clock anchored at the interrupt timestamp, and
 * accounts for FIFO overflow (OVF_COUNTER, which saturates at 31: beyond that the gap is estimated
 * from the time that passed). The caller (one thread, under the device lock) pushes the records.
 */
#ifndef MXRT_MAX30102_ACQ_H
#define MXRT_MAX30102_ACQ_H

#include <lib/abi.h>
#include <mxrt/max30102.h>

MXRT_EXTERN_C_BEGIN

/* The user-visible configuration, in user units (C view of mxrt::max30102::Config). */
struct mxrt_max30102_config {
	mxrt_u32 mode; /* MAX30102_MODE_HR, _SPO2 or _MULTI (slots red, IR) */
	mxrt_u32 sample_rate_hz, pulse_width_us, adc_range_na, sample_average;
	mxrt_u32 fifo_almost_full; /* unread samples that raise A_FULL, 17..32 */
	mxrt_u32 red_current_ua, ir_current_ua;
};
enum { MXRT_MAX30102_NREGS = 7 }; /* FIFO_CONFIG MODE SPO2 LED1 LED2 MULTI1 MULTI2 */
void mxrt_max30102_config_default(struct mxrt_max30102_config *c) MXRT_NOEXCEPT;
/* 0, or -MXRT_EINVAL if a field or the rate/pulse-width combination is not the chip's. */
int mxrt_max30102_config_validate(const struct mxrt_max30102_config *c) MXRT_NOEXCEPT;
void mxrt_max30102_config_encode(const struct mxrt_max30102_config *c,
				 mxrt_u8 regs[MXRT_MAX30102_NREGS]) MXRT_NOEXCEPT;
mxrt_u32 mxrt_max30102_fifo_unread(mxrt_u8 wr, mxrt_u8 rd, int known_full) MXRT_NOEXCEPT;

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
 * were read and the newest sample). @anchor_is_irq: flag that sample MXRT_MAX30102_REC_IRQ.
 */
void mxrt_acq_decode(struct mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u32 ovf,
		     mxrt_u32 anchor, mxrt_u64 anchor_ts, int anchor_is_irq,
		     struct mxrt_max30102_record *out) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_ACQ_H */
