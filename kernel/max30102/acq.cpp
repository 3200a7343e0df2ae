// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (driver acquisition thread) and user space (tests).
// Implements kernel/max30102/acq.h.
//
// Timestamps: the chip samples on its own clock, the host only learns when an interrupt came. The
// sample clock runs at the configured period from the last record; each burst checks it against
// the anchor (the IRQ timestamp of a known sample) and re-anchors when they differ by more than
// half a period, so timestamps are jitter-free while the clocks agree and never more than half a
// period wrong. A gap (FIFO overflow) is always re-anchored.
#include <max30102/chip.hpp>
#include <max30102/acq.h>

using namespace mxrt::max30102;

namespace {
Config FromC(const mxrt_max30102_config *c) {
	Config k;
	k.mode = c->mode;
	k.sample_rate_hz = c->sample_rate_hz;
	k.pulse_width_us = c->pulse_width_us;
	k.adc_range_na = c->adc_range_na;
	k.sample_average = c->sample_average;
	k.fifo_almost_full = c->fifo_almost_full;
	k.red_current_ua = c->red_current_ua;
	k.ir_current_ua = c->ir_current_ua;
	return k;
}
} // namespace

extern "C" {

void mxrt_max30102_config_default(mxrt_max30102_config *c) noexcept {
	const Config k;
	*c = {k.mode, k.sample_rate_hz, k.pulse_width_us, k.adc_range_na, k.sample_average,
	      k.fifo_almost_full, k.red_current_ua, k.ir_current_ua};
}

int mxrt_max30102_config_validate(const mxrt_max30102_config *c) noexcept { return Validate(FromC(c)); }

void mxrt_max30102_config_encode(const mxrt_max30102_config *c, mxrt_u8 regs[MXRT_MAX30102_NREGS]) noexcept {
	const ConfigRegs r = Encode(FromC(c));
	const u8 v[MXRT_MAX30102_NREGS] = {r.fifo_config, r.mode_config, r.spo2_config, r.led1_pa,
					   r.led2_pa, r.multi1, r.multi2};
	for (int i = 0; i < MXRT_MAX30102_NREGS; i++)
		regs[i] = v[i];
}

mxrt_u32 mxrt_max30102_fifo_unread(mxrt_u8 wr, mxrt_u8 rd, int known_full) noexcept {
	return FifoUnread(wr, rd, known_full != 0);
}

void mxrt_acq_configure(mxrt_acq *acq, mxrt_u32 mode, mxrt_u32 sample_rate_hz, mxrt_u32 average,
			mxrt_u32 pulse_width_us) noexcept {
	acq->mode = mode;
	acq->channels = Channels(mode, (MAX30102_SLOT_IR << 4) | MAX30102_SLOT_RED, 0);
	acq->adc_bits = AdcBits(u32(PulseWidthCode(pulse_width_us) < 0 ? 3 : PulseWidthCode(pulse_width_us)));
	acq->period_ns = SamplePeriodNs(sample_rate_hz ? sample_rate_hz : 50, average ? average : 1);
	acq->restart = 1;
	acq->last_ts = 0;
}

mxrt_u32 mxrt_acq_sample_bytes(const mxrt_acq *acq) noexcept {
	return acq->channels * MAX30102_BYTES_PER_CHANNEL;
}

void mxrt_acq_decode(mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u32 ovf, mxrt_u32 anchor,
		     mxrt_u64 anchor_ts, int anchor_is_irq, mxrt_max30102_record *out) noexcept {
	if (n == 0)
		return;
	const u64 p = acq->period_ns;
	if (anchor >= n)
		anchor = n - 1;
	// When the first sample of the burst was taken, by the anchor.
	const u64 back = u64(anchor) * p;
	const u64 first_by_anchor = anchor_ts > back ? anchor_ts - back : 0;
	u64 lost = ovf;
	if (ovf > 0 && acq->last_ts != 0) {
		// OVF_COUNTER stops at 31: estimate longer gaps from the time between the bursts.
		const u64 span = first_by_anchor > acq->last_ts ? first_by_anchor - acq->last_ts : 0;
		const u64 by_time = (span + p / 2) / p;
		if (ovf >= 31 && by_time > 1 && by_time - 1 > lost) {
			lost = by_time - 1;
			acq->lost_estimated++;
		}
	}
	u64 first = first_by_anchor;
	if (acq->last_ts != 0 && lost == 0) {
		const u64 clock = acq->last_ts + p;
		const u64 diff = clock > first_by_anchor ? clock - first_by_anchor : first_by_anchor - clock;
		if (diff <= p / 2)
			first = clock;
		else
			acq->reanchors++;
	}
	acq->bursts++;
	acq->samples += n;
	if (ovf > 0) {
		acq->fifo_overflows++;
		acq->lost += lost;
	}
	const u32 bytes = acq->channels * MAX30102_BYTES_PER_CHANNEL;
	for (u32 i = 0; i < n; i++) {
		mxrt_max30102_record &r = out[i];
		const u8 *s = buf + i * bytes;
		r = {};
		if (i == 0 && lost > 0) {
			acq->next_seq += lost;
			r.lost = u32(lost > 0xffffffffull ? 0xffffffffull : lost);
			r.flags |= MXRT_MAX30102_REC_FIFO_OVERFLOW;
		}
		if (acq->restart) {
			r.flags |= MXRT_MAX30102_REC_RESTART;
			acq->restart = 0;
		}
		if (i == anchor && anchor_is_irq)
			r.flags |= MXRT_MAX30102_REC_IRQ;
		r.seq = acq->next_seq++;
		r.timestamp_ns = first + u64(i) * p;
		r.adc_bits = u16(acq->adc_bits);
		r.red = acq->channels >= 1 ? DecodeChannel(s, acq->adc_bits) : 0;
		r.ir = acq->channels >= 2 ? DecodeChannel(s + 3, acq->adc_bits) : 0;
	}
	acq->last_ts = out[n - 1].timestamp_ns;
}

} // extern "C"
