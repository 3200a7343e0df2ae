// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (the driver's ioctl handlers) and user space (tests). Implements
// kernel/max30102/ioc.h; see there for each contract, and include/uapi/mxrt/max30102.h for the ABI.
#include <max30102/ioc.h>
#include <max30102/chip.hpp>
#include <lib/kstd/atomic.hpp>

using namespace mxrt::max30102;
using kstd::AtomicRef;
using kstd::MemoryOrder;

// The UAPI spells the chip's modes and the estimator's flags with the same values.
static_assert(MXRT_MAX30102_MODE_HR == MAX30102_MODE_HR && MXRT_MAX30102_MODE_SPO2 == MAX30102_MODE_SPO2 &&
	      MXRT_MAX30102_MODE_MULTI == MAX30102_MODE_MULTI);
static_assert(MXRT_MAX30102_VITALS_HR_VALID == MXRT_VITALS_HR_VALID &&
	      MXRT_MAX30102_VITALS_SPO2_VALID == MXRT_VITALS_SPO2_VALID &&
	      MXRT_MAX30102_VITALS_FINGER_VALID == MXRT_VITALS_FINGER_VALID &&
	      MXRT_MAX30102_VITALS_FINGER == MXRT_VITALS_FINGER && MXRT_MAX30102_VITALS_MOTION == MXRT_VITALS_MOTION &&
	      MXRT_MAX30102_VITALS_CLIPPING == MXRT_VITALS_CLIPPING &&
	      MXRT_MAX30102_VITALS_LOW_RATE == MXRT_VITALS_LOW_RATE);
static_assert(MXRT_MAX30102_CHIP_SUSPENDED == MXRT_CHIP_OFF && MXRT_MAX30102_CHIP_RUNNING == MXRT_CHIP_RUNNING &&
	      MXRT_MAX30102_CHIP_RETRYING == MXRT_CHIP_STALE);
static_assert(MXRT_MAX30102_IOC_MAX_SIZE < (1u << 14), "a size fits the _IOC_SIZE field everywhere");

namespace {

constexpr u32 kVitalsFlags = MXRT_VITALS_HR_VALID | MXRT_VITALS_SPO2_VALID | MXRT_VITALS_FINGER_VALID |
			     MXRT_VITALS_FINGER | MXRT_VITALS_MOTION | MXRT_VITALS_CLIPPING | MXRT_VITALS_LOW_RATE;
static_assert((kVitalsFlags & MXRT_MAX30102_VITALS_NONE) == 0);

constexpr u32 kRW = MXRT_IOC_DIR_READ | MXRT_IOC_DIR_WRITE;

struct CmdSpec {
	u32 dir;
	mxrt_ioc_cmd cmd;
};

// The driver's commands by number. A sized command's structure is read (size, and for `in`
// everything) and written back (`out`); GET_* are _IOWR because the driver reads their size.
constexpr CmdSpec Spec(u32 nr) {
	switch (nr) {
	case MXRT_MAX30102_NR_GET_INFO:
		return {kRW, {nr, 1, sizeof(mxrt_max30102_ioc_info), MXRT_MAX30102_INFO_SIZE_VER0, 0, 1, 0}};
	case MXRT_MAX30102_NR_GET_CONFIG:
		return {kRW, {nr, 1, sizeof(mxrt_max30102_ioc_config), MXRT_MAX30102_CONFIG_SIZE_VER0, 0, 1, 0}};
	case MXRT_MAX30102_NR_SET_CONFIG:
		return {MXRT_IOC_DIR_WRITE,
			{nr, 1, sizeof(mxrt_max30102_ioc_config), MXRT_MAX30102_CONFIG_SIZE_VER0, 1, 0, 1}};
	case MXRT_MAX30102_NR_GET_STATS:
		return {kRW, {nr, 1, sizeof(mxrt_max30102_ioc_stats), MXRT_MAX30102_STATS_SIZE_VER0, 0, 1, 0}};
	case MXRT_MAX30102_NR_GET_VITALS:
		return {kRW, {nr, 1, sizeof(mxrt_max30102_ioc_vitals), MXRT_MAX30102_VITALS_SIZE_VER0, 0, 1, 0}};
	case MXRT_MAX30102_NR_GET_TEMP:
		return {kRW, {nr, 1, sizeof(mxrt_max30102_ioc_temp), MXRT_MAX30102_TEMP_SIZE_VER0, 0, 1, 0}};
	case MXRT_MAX30102_NR_FLUSH:
		return {MXRT_IOC_DIR_READ, {nr, 0, sizeof(mxrt_uapi_u64), 0, 0, 1, 0}};
	case MXRT_MAX30102_NR_GET_LOCK_TIMEOUT:
		return {MXRT_IOC_DIR_READ, {nr, 0, sizeof(mxrt_uapi_u32), 0, 0, 1, 0}};
	case MXRT_MAX30102_NR_SET_LOCK_TIMEOUT:
		return {MXRT_IOC_DIR_WRITE, {nr, 0, sizeof(mxrt_uapi_u32), 0, 1, 0, 0}};
	}
	return {0, {}};
}

// Every sized structure: its newest version is what the driver has now, it starts with a u32 size.
static_assert(sizeof(mxrt_max30102_ioc_info) == MXRT_MAX30102_INFO_SIZE_VER0 &&
	      sizeof(mxrt_max30102_ioc_config) == MXRT_MAX30102_CONFIG_SIZE_VER0 &&
	      sizeof(mxrt_max30102_ioc_stats) == MXRT_MAX30102_STATS_SIZE_VER1 &&
	      sizeof(mxrt_max30102_ioc_vitals) == MXRT_MAX30102_VITALS_SIZE_VER0 &&
	      sizeof(mxrt_max30102_ioc_temp) == MXRT_MAX30102_TEMP_SIZE_VER0);

template <typename T> u64 Relaxed(const T &v) { return AtomicRef<const T>(v).Load(MemoryOrder::kRelaxed); }

} // namespace

extern "C" {

int mxrt_ioc_decode(mxrt_u32 type, mxrt_u32 nr, mxrt_u32 dir, mxrt_u32 size, mxrt_ioc_cmd *c) noexcept {
	if (type != MXRT_MAX30102_IOC_MAGIC)
		return -MXRT_ENOTTY;
	const CmdSpec s = Spec(nr);
	if (s.dir == 0 || dir != s.dir)
		return -MXRT_ENOTTY;
	if (!s.cmd.sized && size != s.cmd.ksize)
		return -MXRT_ENOTTY; // a scalar of another size is another command
	*c = s.cmd;
	return 0;
}

int mxrt_ioc_check_size(const mxrt_ioc_cmd *c, mxrt_u32 ioc_size, mxrt_u32 usize) noexcept {
	if (usize != ioc_size || usize < c->min_size)
		return -MXRT_EINVAL;
	if (usize > MXRT_MAX30102_IOC_MAX_SIZE)
		return -MXRT_E2BIG;
	return 0;
}

mxrt_u32 mxrt_ioc_out(const mxrt_ioc_cmd *c, mxrt_u32 usize, void *kstruct, mxrt_u32 *clear) noexcept {
	const u32 n = Min<u32>(usize, c->ksize);
	*clear = usize - n;
	// every sized struct starts with its u32 size (the static_asserts above and the ABI test)
	__builtin_memcpy(kstruct, &n, sizeof(n));
	return n;
}

int mxrt_ioc_config_in(const mxrt_max30102_ioc_config *u, mxrt_u32 usize, mxrt_max30102_config *out) noexcept {
	if (u->size != usize || u->flags != 0)
		return -MXRT_EINVAL;
	const mxrt_max30102_config c = {u->mode,		u->sample_rate_hz, u->pulse_width_us,
					u->adc_range_na,	u->sample_average, u->fifo_almost_full,
					u->red_current_ua,	u->ir_current_ua};
	if (const int err = mxrt_max30102_config_validate(&c))
		return err;
	*out = c;
	return 0;
}

void mxrt_ioc_config_out(const mxrt_max30102_config *c, mxrt_max30102_ioc_config *u) noexcept {
	u->flags = 0;
	u->mode = c->mode;
	u->sample_rate_hz = c->sample_rate_hz;
	u->pulse_width_us = c->pulse_width_us;
	u->adc_range_na = c->adc_range_na;
	u->sample_average = c->sample_average;
	u->fifo_almost_full = c->fifo_almost_full;
	u->red_current_ua = c->red_current_ua;
	u->ir_current_ua = c->ir_current_ua;
}

int mxrt_ioc_check_lock_timeout(mxrt_u32 ms) noexcept {
	return ms <= MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS ? 0 : -MXRT_EINVAL;
}

void mxrt_ioc_vitals_out(const mxrt_vitals_out *v, int have, mxrt_max30102_ioc_vitals *u) noexcept {
	const u32 size = u->size;
	*u = {};
	u->size = size;
	if (!have) {
		u->flags = MXRT_MAX30102_VITALS_NONE;
		return;
	}
	u->flags = v->flags & kVitalsFlags;
	u->timestamp_ns = v->timestamp_ns;
	u->seq = v->seq;
	u->hr_mbpm = v->hr_mbpm;
	u->spo2_mpct = v->spo2_mpct;
	u->confidence = v->confidence;
}

void mxrt_ioc_stats_acq(const mxrt_acq *acq, const mxrt_irq_health *h, int has_irq,
			mxrt_max30102_ioc_stats *s) noexcept {
	s->samples = acq->samples;
	s->bursts = acq->bursts;
	s->fifo_overflows = acq->fifo_overflows;
	s->fifo_lost = acq->lost;
	s->fifo_lost_estimated = acq->lost_estimated;
	s->reanchors = acq->reanchors;
	s->max_backlog = acq->max_backlog;
	s->next_seq = acq->next_seq;
	// bumped by the interrupt and poll threads without the device lock (acq.h)
	s->irqs = Relaxed(h->irqs);
	s->irq_spurious = Relaxed(h->spurious);
	s->irq_missed = Relaxed(h->missed);
	s->irq_stuck = Relaxed(h->stuck);
	s->polls = Relaxed(h->polls);
	s->irq_watchdog_expiries = Relaxed(h->expiries);
	s->chip_resets = acq->chip_resets;
	switch (acq->state) {
	case MXRT_CHIP_RUNNING: s->chip_state = MXRT_MAX30102_CHIP_RUNNING; break;
	case MXRT_CHIP_STALE: s->chip_state = MXRT_MAX30102_CHIP_RETRYING; break;
	default: s->chip_state = MXRT_MAX30102_CHIP_SUSPENDED; break;
	}
	if (!has_irq)
		s->irq_mode = MXRT_MAX30102_IRQ_POLLING;
	else if (Relaxed(h->off))
		s->irq_mode = MXRT_MAX30102_IRQ_STUCK_POLLING;
	else
		s->irq_mode = MXRT_MAX30102_IRQ_ACTIVE;
}

void mxrt_ioc_stats_file(const mxrt_ring_reader *rd, mxrt_max30102_ioc_stats *s) noexcept {
	s->file_overruns = rd->overruns;
	s->file_lost = rd->lost;
	s->file_flushes = rd->flushes;
	s->file_flushed = rd->flushed;
}

} // extern "C"
