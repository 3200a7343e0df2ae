// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (driver glue: acquisition threads, sysfs, PM callbacks) and user space (tests).
// Implements kernel/max30102/acq.h; see there for each contract.
//
// Timestamps: the chip samples on its own clock, the host only learns when an interrupt came. The
// sample clock runs at the configured period from the last record; each burst checks it against
// the anchor (the IRQ timestamp of a known sample) and re-anchors when they differ by more than
// half a period, so timestamps are jitter-free while the clocks agree and never more than half a
// period wrong. A gap (FIFO overflow) is always re-anchored. Timestamps only increase: a re-anchor
// never puts a sample at or before the previous record, nor does a restart (unless the stamps
// before it ran over a FIFO of periods ahead of the truth: a chip's clock too fast to follow).
#include <max30102/chip.hpp>
#include <max30102/acq.h>
#include <lib/kstd/atomic.hpp>

using namespace mxrt::max30102;
using kstd::AtomicRef;
using kstd::MemoryOrder;

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

mxrt_max30102_config ToC(const Config &k) {
	return {k.mode, k.sample_rate_hz, k.pulse_width_us, k.adc_range_na, k.sample_average,
		k.fifo_almost_full, k.red_current_ua, k.ir_current_ua};
}

// The one place a configuration field is named by its sysfs enum.
u32 *FieldOf(Config &k, u32 f) {
	switch (f) {
	case MXRT_MAX30102_MODE: return &k.mode;
	case MXRT_MAX30102_SAMPLE_RATE: return &k.sample_rate_hz;
	case MXRT_MAX30102_PULSE_WIDTH: return &k.pulse_width_us;
	case MXRT_MAX30102_ADC_RANGE: return &k.adc_range_na;
	case MXRT_MAX30102_SAMPLE_AVERAGE: return &k.sample_average;
	case MXRT_MAX30102_FIFO_ALMOST_FULL: return &k.fifo_almost_full;
	case MXRT_MAX30102_RED_CURRENT: return &k.red_current_ua;
	case MXRT_MAX30102_IR_CURRENT: return &k.ir_current_ua;
	}
	return nullptr;
}

Result<Config> With(Config k, u32 f, u32 v) {
	u32 *field = FieldOf(k, f);
	if (field == nullptr)
		return Error(-MXRT_EINVAL);
	*field = v;
	TRY(Validate(k));
	return k;
}

// The poll thread's and the lost-interrupt watchdog's timing, all from the sample period and the
// almost-full threshold. Without an interrupt: look at the FIFO twice per almost-full period (at
// least every 1 ms).
constexpr u32 PollIntervalMs(u64 period_ns, u32 almost_full) {
	return u32(Max<u64>(1, period_ns * almost_full / 2 / 1'000'000));
}
// With one: an interrupt is overdue when nothing was acquired for 1.25 almost-full periods: the
// lost-interrupt watchdog's timeout, in whole ms rounded up (never before the window is over; the
// thread checks the exact window before it counts a lost interrupt).
constexpr u64 WatchdogWindowNs(u64 period_ns, u32 almost_full) { return period_ns * almost_full * 5 / 4; }
constexpr u32 WatchdogTimeoutMs(u64 window_ns) { return u32(Max<u64>(1, (window_ns + 999'999) / 1'000'000)); }

template <typename T> void Bump(T &counter) { AtomicRef<T>(counter).AddSingleWriter(1, MemoryOrder::kRelaxed); }

// The chip's state: written under the device lock, read by the poll thread without it (relaxed:
// a value of its own; the thread acts on it under the lock, where it is read again).
// Every change of state says the chip is not sampling as configured, or is RUNNING (which says
// it is): `sampling` is set only after it, by mxrt_bus_take_reinit and Stale.
void SetState(mxrt_acq *acq, mxrt_chip_state st) {
	acq->sampling = 0;
	AtomicRef<u32>(acq->state).Store(st, MemoryOrder::kRelaxed);
}

// A chip sampling as configured: RUNNING, or STALE to be re-initialised after a stuck bus, or
// STALE or OFF (a system suspend goes on) after a stop that failed before its shutdown (or may
// have: mxrt_acq_stop_failed).
bool Sampling(const mxrt_acq *acq) { return acq->state == MXRT_CHIP_RUNNING || acq->sampling; }

} // namespace

extern "C" {

/* ---- configuration ---- */

void mxrt_max30102_config_default(mxrt_max30102_config *c) noexcept { *c = ToC(Config{}); }

int mxrt_max30102_config_validate(const mxrt_max30102_config *c) noexcept {
	return Validate(FromC(c)).ErrorCode();
}

mxrt_u32 mxrt_max30102_config_get(const mxrt_max30102_config *c, mxrt_u32 f) noexcept {
	Config k = FromC(c);
	const u32 *field = FieldOf(k, f);
	return field ? *field : 0;
}

int mxrt_max30102_config_set(mxrt_max30102_config *c, mxrt_u32 f, mxrt_u32 v) noexcept {
	Result<Config> k = With(FromC(c), f, v);
	if (!k.Ok())
		return k.ErrorCode();
	*c = ToC(k.Value());
	return 0;
}

mxrt_u32 mxrt_max30102_config_writes(const mxrt_max30102_config *c, int has_irq,
				     mxrt_reg_write out[MXRT_MAX30102_CONFIG_WRITES]) noexcept {
	const ConfigRegs r = Encode(FromC(c));
	const mxrt_reg_write w[MXRT_MAX30102_CONFIG_WRITES] = {
		// the new mode, shut down: SPO2_CONFIG below is taken under its mode's rate table
		{MAX30102_REG_MODE_CONFIG, u8(r.mode_config | MAX30102_MODE_SHDN)},
		{MAX30102_REG_FIFO_CONFIG, u8(r.fifo_config | MAX30102_FIFO_ROLLOVER_EN)},
		{MAX30102_REG_SPO2_CONFIG, r.spo2_config},
		{MAX30102_REG_LED1_PA, r.led1_pa},
		{MAX30102_REG_LED2_PA, r.led2_pa},
		{MAX30102_REG_MULTI_LED1, r.multi1},
		{MAX30102_REG_MULTI_LED2, r.multi2},
		// a fresh FIFO: no sample of the old configuration survives (the caller drained it)
		{MAX30102_REG_FIFO_WR_PTR, 0},
		{MAX30102_REG_OVF_COUNTER, 0},
		{MAX30102_REG_FIFO_RD_PTR, 0},
		{MAX30102_REG_INT_ENABLE1, u8(has_irq ? MXRT_ACQ_INTERRUPTS : 0)},
		{MAX30102_REG_INT_ENABLE2, 0},
		{MAX30102_REG_MODE_CONFIG, r.mode_config}, // last: sampling starts
	};
	for (u32 i = 0; i < MXRT_MAX30102_CONFIG_WRITES; i++)
		out[i] = w[i];
	return MXRT_MAX30102_CONFIG_WRITES;
}

mxrt_u8 mxrt_max30102_shutdown_value(const mxrt_max30102_config *c) noexcept {
	return u8(MAX30102_MODE_SHDN | ModeBits::Prep(c->mode));
}

mxrt_s32 mxrt_max30102_temp_millic(mxrt_u8 temp_int, mxrt_u8 temp_frac) noexcept {
	return TemperatureMilliC(temp_int, temp_frac);
}

/* ---- acquisition ---- */

void mxrt_acq_configure(mxrt_acq *acq, mxrt_u32 mode, mxrt_u32 sample_rate_hz, mxrt_u32 average,
			mxrt_u32 pulse_width_us) noexcept {
	const int pw = PulseWidthCode(pulse_width_us);
	acq->mode = mode;
	acq->channels = Channels(mode, u8(SlotOdd::Prep(MAX30102_SLOT_RED) | SlotEven::Prep(MAX30102_SLOT_IR)), 0);
	acq->adc_bits = AdcBits(u32(pw < 0 ? 3 : pw));
	acq->period_ns = SamplePeriodNs(sample_rate_hz ? sample_rate_hz : 50, average ? average : 1);
	acq->configured = 1;
	acq->restart = 1;
	acq->last_ts = 0;
	acq->start_ts = 0; // mxrt_acq_started says when, once the configuration was written
	acq->next_rd = 0;  // the configuration writes clear the FIFO pointers
	acq->next_rd_known = 1;
	acq->rolled_pending = 0;
	acq->pops_unknown = 0;
	acq->empty_ref_ts = 0;
	acq->latch_to = 0; // no burst of this configuration yet
	acq->stop_from = acq->stop_to = 0; // sampling again (mxrt_acq_stopping)
	acq->stop_sampled = 0;
	acq->maybe_from = acq->maybe_to = 0;
	acq->popped_whole = 0;
}

// The STALE state a failed step leaves: still sampling as configured only after a stop that
// failed before its shutdown (mxrt_acq_not_stopped).
static void Stale(mxrt_acq *acq) {
	const bool sampling = acq->unstopped != 0 || acq->maybe_to != 0;
	acq->unstopped = 0;
	SetState(acq, MXRT_CHIP_STALE);
	acq->sampling = sampling;
}

void mxrt_acq_not_stopped(mxrt_acq *acq) noexcept { acq->unstopped = Sampling(acq); }

void mxrt_acq_stop_failed(mxrt_acq *acq, mxrt_u64 from_ts, mxrt_u64 to_ts) noexcept {
	if (!Sampling(acq) || acq->maybe_to != 0)
		return; // not sampling, or since the first such write, which is the one that may have
			 // stopped it (a later one stops a stopped chip)
	acq->maybe_from = from_ts;
	acq->maybe_to = Max(to_ts, from_ts);
}

static int ResetSeen(mxrt_acq *acq);

void mxrt_acq_config_failed(mxrt_acq *acq, const mxrt_max30102_config *c, mxrt_u64 from_ts,
			    mxrt_u64 to_ts) noexcept {
	acq->tried = *c;
	acq->tried_from = from_ts;
	acq->tried_to = Max<u64>(Max<u64>(to_ts, from_ts), 1);
}

int mxrt_acq_config_unsure(const mxrt_acq *acq) noexcept { return acq->tried_to != 0; }

int mxrt_acq_mode_look_needed(const mxrt_acq *acq) noexcept {
	return Sampling(acq) || acq->tried_to != 0 || mxrt_acq_drain_needed(acq);
}

int mxrt_acq_mode_before_stop(mxrt_acq *acq, mxrt_u8 fifo_config, mxrt_u8 mode_config) noexcept {
	// every configuration sets ROLLOVER_EN, and only a power-on reset clears it
	const bool reset = acq->configured && !(fifo_config & MAX30102_FIFO_ROLLOVER_EN);
	if (acq->tried_to != 0) {
		const mxrt_max30102_config tried = acq->tried;
		const u64 from = acq->tried_from, to = acq->tried_to;
		acq->tried_to = 0;
		if (!reset && mode_config == Encode(FromC(&tried)).mode_config) {
			// the last write took: sampling as @tried since then, into the FIFO it emptied
			mxrt_acq_applied(acq, &tried, 0);
			mxrt_acq_started(acq, from, to);
			acq->configs_took++;
			return 0;
		}
		// not started: SHDN still set (or a reset chip: nothing of it is left either way)
	}
	if (reset)
		return ResetSeen(acq);
	if (!Sampling(acq))
		return 0;
	// SHDN set: a shutdown of ours reached the chip (a reset clears it; the shutdown keeps the
	// glue's configured mode, which a configuration found started above may not share)
	const u8 want = u8(ModeBits::Prep(acq->mode));
	if (!(mode_config & MAX30102_MODE_SHDN) && mode_config != want)
		return ResetSeen(acq);
	if (acq->maybe_to != 0 && (mode_config & MAX30102_MODE_SHDN) && acq->stop_to == 0) {
		// it stopped within the failed write: what it holds was taken until then
		acq->stop_from = acq->maybe_from;
		acq->stop_to = acq->maybe_to;
		acq->stop_sampled = 1;
		acq->sampling = 0;
	}
	acq->maybe_from = acq->maybe_to = 0;
	return 0;
}

mxrt_u8 mxrt_acq_shutdown_value(const mxrt_acq *acq, const mxrt_max30102_config *c) noexcept {
	mxrt_max30102_config k = *c;
	if (acq->configured)
		k.mode = acq->mode; // the decoder's
	return mxrt_max30102_shutdown_value(&k);
}

int mxrt_acq_applied(mxrt_acq *acq, const mxrt_max30102_config *c, int err) noexcept {
	acq->stopping = 0;
	if (err != 0) {
		// a failure before the writes (the stop) leaves an earlier configuration that may
		// have started as unsure as it was; failed writes say so themselves
		Stale(acq);
		return err;
	}
	acq->tried_to = 0; // these writes restarted the FIFO
	acq->unstopped = 0;
	mxrt_acq_configure(acq, c->mode, c->sample_rate_hz, c->sample_average, c->pulse_width_us);
	acq->almost_full = c->fifo_almost_full;
	acq->undrained = 0; // the caller read the FIFO out before it wrote the configuration
	acq->drained = 0;   // sampling again
	SetState(acq, MXRT_CHIP_RUNNING);
	// Read by the poll/watchdog thread without the device lock: each is a value of its own.
	const u64 window = WatchdogWindowNs(acq->period_ns, acq->almost_full);
	AtomicRef<u32>(acq->poll_ms).Store(PollIntervalMs(acq->period_ns, acq->almost_full), MemoryOrder::kRelaxed);
	AtomicRef<u32>(acq->watchdog_ms).Store(WatchdogTimeoutMs(window), MemoryOrder::kRelaxed);
	AtomicRef<u64>(acq->window_ns).Store(window, MemoryOrder::kRelaxed);
	return 0;
}

void mxrt_acq_started(mxrt_acq *acq, mxrt_u64 from_ts, mxrt_u64 to_ts) noexcept {
	acq->start_ts = to_ts;
	// Empty until a sample: sampling starts at the last write, by @to_ts for certain.
	acq->empty_ref_ts = to_ts;
	// Samples come from the restart on, as after a read that found the sample before the first
	// one newest (SampleBefore): the first burst's gap is bounded by the writes' times the same way.
	acq->latch_from = from_ts;
	acq->latch_to = from_ts != 0 ? to_ts : 0;
	acq->latch_rolled = 0;
}

void mxrt_acq_stopping(mxrt_acq *acq, mxrt_u64 from_ts, mxrt_u64 to_ts) noexcept {
	acq->stopping = 1;
	if (acq->stop_to != 0)
		return; // a drain that failed, retried: the chip stopped at the first shutdown
	acq->stop_from = from_ts;
	acq->stop_to = to_ts;
	acq->stop_sampled = Sampling(acq);
}

// The time by which the newest sample a read finds was taken: the read's, or in the drain after a
// shutdown the shutdown's, when that came first (the chip stopped there). The middle of the
// shutdown's write, when its start is known: the thread may have waited for the bus before the
// chip took it or been woken late after it, and the middle is off by at most half of either.
static u64 NewestBy(const mxrt_acq *acq, u64 read_ts) {
	if (!acq->stopping || acq->stop_to == 0)
		return read_ts;
	const u64 stop = acq->stop_from != 0 && acq->stop_from <= acq->stop_to
				 ? acq->stop_from + (acq->stop_to - acq->stop_from) / 2
				 : acq->stop_to;
	return Min(read_ts, stop);
}

void mxrt_acq_drained(mxrt_acq *acq) noexcept { acq->drained = 1; }

int mxrt_acq_sampling(const mxrt_acq *acq) noexcept { return Sampling(acq); }

int mxrt_acq_drain_needed(const mxrt_acq *acq) noexcept {
	return acq->configured && !acq->drained && (acq->state != MXRT_CHIP_OFF || acq->undrained);
}

// A running chip found reset (mxrt_acq_status_seen, mxrt_acq_mode_seen): counted, and STALE so that
// the configuration is written again. The samples the FIFO held when the power went are gone, and
// how many is not known: the RESTART record's timestamp gap says how long the chip was not
// delivering (docs/max30102.md). 1, or 0 when the chip is not sampling (RUNNING, or STALE for a
// re-initialisation after a stuck bus).
static int ResetFound(mxrt_acq *acq) {
	if (!Sampling(acq))
		return 0;
	acq->chip_resets++;
	SetState(acq, MXRT_CHIP_STALE);
	return 1;
}

// A reset found, sampling or not: it cleared the pointers, and what moved FIFO_RD_PTR before it
// is gone with the FIFO (roll-overs left pending, the pops of a failed read), not counted from
// the new ones.
static int ResetSeen(mxrt_acq *acq) {
	acq->resets_seen++;
	acq->undrained = 0; // nothing of a system suspend's failed drain is left to read
	acq->stop_sampled = 0; // nor is what it took before a shutdown already written
	acq->maybe_from = acq->maybe_to = 0;
	acq->tried_to = 0; // what failed configuration writes may have started is gone too
	acq->next_rd_known = 0;
	acq->rolled_pending = 0;
	acq->pops_unknown = 0;
	return ResetFound(acq);
}

int mxrt_acq_status_seen(mxrt_acq *acq, mxrt_u8 status1) noexcept {
	return (status1 & MAX30102_INT_PWR_RDY) ? ResetSeen(acq) : 0;
}

int mxrt_acq_mode_seen(mxrt_acq *acq, const mxrt_max30102_config *c, mxrt_u8 mode_config) noexcept {
	return mode_config != Encode(FromC(c)).mode_config ? ResetSeen(acq) : 0;
}

mxrt_acq_step mxrt_acq_begin(const mxrt_acq *acq) noexcept {
	switch (acq->state) {
	case MXRT_CHIP_RUNNING: return MXRT_ACQ_READ;
	case MXRT_CHIP_STALE: return MXRT_ACQ_APPLY;
	default: return MXRT_ACQ_SKIP;
	}
}

// The samples a chip takes in @span ns, its clock up to 1/16 slow or fast: at least, at most.
static u64 TakenAtLeast(u64 span, u64 p) { return span * 16 / (17 * p); }
static u64 TakenAtMost(u64 span, u64 p) { return span * 16 / (15 * p) + 1; }
// ... for certain from @from to @to (0 if @from is not known, or not before @to).
static u64 SurelyTaken(u64 from, u64 to, u64 p) { return from != 0 && to > from ? TakenAtLeast(to - from, p) : 0; }

// When the sample before the next one read was taken: the last record's time, or right after a
// restart the start of sampling (as if a sample had been taken then: the first comes one period
// later); 0 if neither is known.
static u64 SampleBefore(const mxrt_acq *acq) { return acq->last_ts != 0 ? acq->last_ts : acq->start_ts; }

// Whole periods from the sample before the next one read (SampleBefore) to @read_ts: about how
// many samples a sampling chip took since the last one read. 0 if that is not known.
static u64 TakenSince(const mxrt_acq *acq, mxrt_u64 read_ts) {
	const u64 before = SampleBefore(acq);
	if (before == 0 || read_ts <= before || acq->period_ns == 0)
		return 0;
	return (read_ts - before) / acq->period_ns;
}

// WR == RD and OVF_COUNTER says nothing: the FIFO holds 0 or exactly 32, and A_FULL at a
// threshold of 32 is not there to say which (FifoKnownFull). Half a FIFO of samples taken since
// the last one read decides, far from either (the clocks agree to a few percent).
//  - A_FULL in the status (a threshold below 32): since the last status read the chip took the
//    sample that brought the count to the threshold. Empty now only if the read after that status
//    read took it (it came between the status and the pointers), which left nothing and was at
//    most a period or two ago; otherwise the FIFO is full. Taken for empty it would be left there:
//    the status read cleared A_FULL, which does not come again while the FIFO rolls over at 32,
//    so the next look is the lost-interrupt watchdog's and 1.25 almost-full periods of samples
//    the driver had in hand would be lost (an IRQ thread 32 - threshold periods late; the
//    watchdog's own look after a lost interrupt at thresholds 25 and 26, whose window of 1.25
//    almost-full periods, 31.25 and 32.5, ends when about 32 are there).
//  - The drain after a shutdown (mxrt_acq_stopping), which cleared A_FULL: a chip that was
//    sampling until the shutdown (read_ts is a few periods after it at 3200 Hz) holds 32 from 16
//    periods on; past 1.5 FIFOs it would have overflowed, so it was not sampling: empty, as before.
// Otherwise empty: on the acquisition path without A_FULL an exactly full FIFO overflows next and
// is counted, and an empty one there may be a chip reset with its PWR_RDY unseen (a reset chip
// does not sample, so it sets no A_FULL), which the lost-interrupt watchdog's look must see as
// empty (mxrt_irq_health_check_chip).
//  - Unless the last FIFO data read failed (how many it popped is not known) or its burst's
//    roll-overs were left pending (a look that failed or could not tell: its records were stamped
//    early by them): then the time since the last record says nothing. (16 or more pending
//    roll-overs made an empty FIFO look full, and the drain published 32 records the chip never
//    took: an empty FIFO reads as zeros.) The FIFO holds what the read's pops left and what came
//    since: full, in both branches, once a sample came for certain after empty_ref_ts, by the
//    pointer read's start (or, in a drain, the shutdown's). Otherwise empty, the side that makes
//    nothing up: the acquisition path's full FIFO overflows and is counted at the next burst, and
//    a drain counts whatever went, a full FIFO's 32 among them (mxrt_acq_found_empty).
static bool FullByTime(const mxrt_acq *acq, mxrt_u8 status1, const mxrt_acq_ptrs *read) {
	// In a drain: the chip was sampling until the shutdown (written now, or before a drain that
	// failed and is retried: a reconfiguration's, a system suspend's read at the resume), and no
	// reset was seen since (mxrt_acq_stopping, ResetSeen). Not the state now: a failed drain
	// leaves it STALE or OFF, and an exactly full FIFO was then taken for empty and cleared.
	const bool sampled_to_stop = acq->stop_sampled != 0;
	if (acq->rolled_pending || acq->pops_unknown) {
		if (!(status1 & MAX30102_INT_A_FULL) && (!acq->stopping || !sampled_to_stop))
			return false;
		// still sampling when the pointer read began, or the shutdown's write
		const u64 sampled = acq->stopping ? acq->stop_from : read->start_ts;
		return SurelyTaken(acq->empty_ref_ts, sampled, acq->period_ns) >= 1;
	}
	const u64 taken = TakenSince(acq, NewestBy(acq, read->end_ts));
	if (status1 & MAX30102_INT_A_FULL)
		return taken >= MAX30102_FIFO_DEPTH / 2;
	if (!acq->stopping || !sampled_to_stop)
		return false;
	// In a drain, by the shutdown's start, not its middle: held off for a FIFO of periods
	// around the shutdown's write, the middle put an empty FIFO's chip 16 periods further and
	// made up 32 records. Full once a sample came for certain after what the last read's pops
	// left (and not 48 for certain since the last record: it would have overflowed, so it was not
	// sampling after all); else taken for empty.
	const u64 p = acq->period_ns;
	if (acq->empty_ref_ts != 0 && acq->stop_from != 0)
		return SurelyTaken(SampleBefore(acq), acq->stop_from, p) < MAX30102_FIFO_DEPTH * 3 / 2 &&
		       SurelyTaken(acq->empty_ref_ts, acq->stop_from, p) >= 1;
	// times not known: by the time since the last record
	return taken >= MAX30102_FIFO_DEPTH / 2 && taken < MAX30102_FIFO_DEPTH * 3 / 2;
}

// A_FULL at a threshold of 32 says the FIFO reached 32 since the last status read, not that it
// holds 32 now: a sample can come between a burst's status read and its first pop (the chip sets
// A_FULL again as it rolls over), and a burst that then pops the whole FIFO leaves A_FULL set over
// an empty one (32 records of zeros were published at the next read, which the still asserted
// line brings at once). A burst that popped fewer left some behind once the FIFO reached 32
// before its pops, so equal pointers then are full; after a whole FIFO popped (or a failed read
// of one), only once a sample came for certain after that read, by this pointer read's start.
static bool AFullAt32Holds(const mxrt_acq *acq, const mxrt_acq_ptrs *read) {
	return !acq->popped_whole || SurelyTaken(acq->empty_ref_ts, read->start_ts, acq->period_ns) >= 1;
}

mxrt_u32 mxrt_acq_unread(const mxrt_acq *acq, mxrt_u8 status1, const mxrt_acq_ptrs *read) noexcept {
	bool full = FifoKnownFull(read->ovf, status1, acq->almost_full);
	if (full && FifoPtr::Get(read->ovf) == 0)
		full = AFullAt32Holds(acq, read);
	if (!full && FifoPtr::Get(u8(read->wr - read->rd)) == 0 && FullByTime(acq, status1, read))
		return MAX30102_FIFO_DEPTH;
	return FifoUnread(read->wr, read->rd, full);
}

// What the FIFO can hold after a data read of @n whose pointers @read read, which returned (or
// failed) at @end_ts (mxrt_acq_unread): nothing of a whole FIFO after the read, what it left of
// part of one and what came after the pointer read.
static void Popped(mxrt_acq *acq, mxrt_u32 n, const mxrt_acq_ptrs *read, mxrt_u64 end_ts) {
	acq->popped_whole = n == MAX30102_FIFO_DEPTH;
	acq->empty_ref_ts = acq->popped_whole ? end_ts : read->end_ts;
}

void mxrt_acq_read_failed(mxrt_acq *acq, mxrt_u32 n, const mxrt_acq_ptrs *read, mxrt_u64 end_ts) noexcept {
	acq->pops_unknown = 1;
	Popped(acq, n, read, end_ts);
}

mxrt_u32 mxrt_acq_sample_bytes(const mxrt_acq *acq) noexcept {
	return acq->channels * MAX30102_BYTES_PER_CHANNEL;
}

constexpr u32 kGapUnknown = 0xffffffffu;

// @count plus the whole FIFOs (32 each) that bring it nearest to @est, never less than @count: a
// count known modulo 32 (from FIFO_RD_PTR) and roughly (from the time). No loop: @est can be
// days of periods.
static u64 NearestFifo(u64 count, u64 est) {
	if (est <= count + MAX30102_FIFO_DEPTH / 2)
		return count;
	return count + (est - count + MAX30102_FIFO_DEPTH / 2 - 1) / MAX30102_FIFO_DEPTH * MAX30102_FIFO_DEPTH;
}

// Samples taken, for certain no fewer than lo and no more than hi; {0, kNoLimit}: not known.
constexpr u64 kNoLimit = ~0ull;
struct Taken {
	u64 lo, hi;
	// less @k of them, for a count that excludes k samples
	Taken Less(u64 k) const { return {lo > k ? lo - k : 0, hi == kNoLimit ? hi : hi > k ? hi - k : 0}; }
};

// The samples the chip took between a latch in [@a_from, @a_to] and a later one in [@b_from,
// @b_to] (each a transfer's start and end: the thread may have waited before it or been woken
// late after it): no fewer than from @a_to to @b_from, no more than from @a_from to @b_to.
static Taken TakenBetween(u64 a_from, u64 a_to, u64 b_from, u64 b_to, u64 p) {
	return {b_from > a_to ? TakenAtLeast(b_from - a_to, p) : 0, b_to > a_from ? TakenAtMost(b_to - a_from, p) : 1};
}

static void Decode(mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u32 ovf, mxrt_u32 rolled,
		   mxrt_u32 gap_mod, bool wrapped, mxrt_u32 anchor, mxrt_u64 anchor_ts,
		   int anchor_is_irq, const Taken *between, mxrt_max30102_record *out);

// @count samples FIFO_RD_PTR moved beyond what OVF_COUNTER shows, since the last burst's last pop:
// the roll-overs its look left pending (late_rollovers), else the pops of a data read that failed
// part-way, or a FIFO the configuration clears (lost_unseen).
static void CountUnseen(mxrt_acq *acq, u64 count) {
	if (!acq->rolled_pending)
		acq->lost_unseen += count;
	else if (count > 0)
		acq->late_rollovers++;
}

// The chip's clock may run fast by a few percent: a period as short as 15/16 of the nominal one is
// assumed wherever a count of samples taken must not be underestimated.
int mxrt_acq_roll_possible(const mxrt_acq *acq, mxrt_u32 n, mxrt_u64 look_ts, mxrt_u64 done_ts) noexcept {
	if (n == 0 || n > MAX30102_FIFO_DEPTH || acq->stopping || acq->period_ns == 0)
		return 0; // nothing popped, or the shutdown before a drain stopped sampling
	const u64 free = MAX30102_FIFO_DEPTH - n;
	if (free <= 1)
		return 1; // a full FIFO rolls over at the next sample
	// The chip took at most elapsed / period + 1 samples between the pointers and the last pop,
	// the pointers having been read after @look_ts and the last sample popped before @done_ts.
	const u64 elapsed = done_ts > look_ts ? done_ts - look_ts : 0;
	return elapsed * 16 > (free - 1) * 15 * acq->period_ns;
}

// Of the counts @count + 32k, the one in [@lo, @hi] (*@one = true). When several are (the window
// is over a FIFO of periods wide), the one of them nearest @est; when none is (a clock beyond the
// 1/16 assumed), the one nearest @est.
static u64 FifoWithin(u64 count, u64 lo, u64 hi, u64 est, bool *one) {
	u64 c = count;
	if (c < lo)
		c += (lo - c + MAX30102_FIFO_DEPTH - 1) / MAX30102_FIFO_DEPTH * MAX30102_FIFO_DEPTH;
	*one = c <= hi && hi - c < MAX30102_FIFO_DEPTH;
	if (c > hi)
		return NearestFifo(count, est);
	const u64 top = c + (hi - c) / MAX30102_FIFO_DEPTH * MAX30102_FIFO_DEPTH;
	return Min(Max(NearestFifo(c, est), c), top);
}

int mxrt_acq_read_again(mxrt_acq *acq, const mxrt_acq_ptrs *read) noexcept {
	const bool slow = acq->period_ns != 0 && read->start_ts != 0 &&
			  read->end_ts - Min(read->start_ts, read->end_ts) > acq->period_ns * (MAX30102_FIFO_DEPTH / 4);
	if (slow)
		acq->reads_again++;
	return slow;
}

mxrt_u32 mxrt_acq_rolled(mxrt_acq *acq, mxrt_u32 n, const mxrt_acq_ptrs *read, const mxrt_acq_ptrs *again,
			 int *sure) noexcept {
	*sure = 1;
	if (n == 0 || n > MAX30102_FIFO_DEPTH)
		return 0;
	// FIFO_RD_PTR moved once per sample popped and once per sample rolled over (the oldest is
	// overwritten). Those rolled over since the last pop are in OVF_COUNTER, which the next
	// burst reads and counts (nothing pops before it); the rest went before this burst's last
	// pop, most before its first, which cleared the counter that had them (DS p.13).
	const u32 after = FifoPtr::Get(again->ovf);
	const bool saturated = after >= 31; // how many came after the last pop is not known
	u64 count = FifoPtr::Get(u8(again->rd - read->rd - n - (saturated ? 0 : after)));
	// 32 or more (held off for over a FIFO of periods) wrap the pointer. The samples the chip took
	// between the two reads, less those the FIFO holds now (each sample taken was popped, rolled
	// over, or is still there) say how many times. Held: the pointers apart, or 32 when equal
	// and full (a roll-over since the last pop, or the chip took enough meanwhile; an empty FIFO
	// after a sample taken would have that sample).
	const u64 p = acq->period_ns;
	if (p != 0 && again->end_ts > read->end_ts) {
		// about as many periods as between the two reads' ends (a thread woken late after each
		// alike)...
		const u64 taken = (again->end_ts - read->end_ts + p / 2) / p;
		// ... and for certain no fewer than from the first read's end to the second's start, no
		// more than from the first's start to the second's end: with both transfers short beside
		// a FIFO of periods, one count fits, however late the thread was woken after either
		// (held off 16 periods after the second, the estimate alone was a FIFO high)
		const Taken between = TakenBetween(Min(read->start_ts, read->end_ts), read->end_ts,
						   again->start_ts, again->end_ts, p);
		u64 held = FifoPtr::Get(u8(again->wr - again->rd));
		// Equal pointers with a roll-over since the last pop: full. Without one: empty, or full
		// having filled since the last pop. Full holds 32 samples taken since the first read
		// (what the FIFO held then was popped or rolled over by the last pop), so it is out
		// while the time since cannot have allowed 32. Else the time between the reads' ends
		// picks, not for certain: a FIFO emptied by quick pops after a long hold-off and one
		// that filled up again on a slow bus look the same.
		bool held_sure = true;
		if (held == 0 && after > 0) {
			held = MAX30102_FIFO_DEPTH;
		} else if (held == 0 && between.hi >= MAX30102_FIFO_DEPTH) {
			held_sure = false;
			if (taken >= MAX30102_FIFO_DEPTH / 2)
				held = MAX30102_FIFO_DEPTH;
		}
		const u64 skip = held + (saturated ? 0 : after);
		const Taken rolled = between.Less(skip);
		bool one;
		count = FifoWithin(count, rolled.lo, rolled.hi, taken > skip ? taken - skip : 0, &one);
		if (!one || !held_sure) {
			acq->looks_unsure++;
			*sure = 0;
		}
	}
	if (saturated) {
		// All that rolled over since the pointer read, 31 or more after the last pop: split as
		// if 31 came after it. The next burst, whose FIFO_RD_PTR reference follows this count,
		// counts the rest: the total is exact, the place of the gap off by what is not known.
		if (count < 31)
			count += MAX30102_FIFO_DEPTH;
		count -= 31;
	}
	return u32(Min<u64>(count, 0xfffffffdull)); // not MXRT_ACQ_ROLLED_UNKNOWN, _UNSURE
}

mxrt_acq_anchor mxrt_acq_choose_anchor(const mxrt_acq *acq, mxrt_u32 n, mxrt_u8 status1, mxrt_u32 ovf,
				mxrt_u32 rolled, mxrt_u64 irq_ts, mxrt_u64 read_ts) noexcept {
	// A_FULL fired when the almost_full-th unread sample arrived. If fewer are here now, that
	// sample was read before (the watchdog raced the interrupt): the IRQ time says nothing here.
	// The FIFO rolls over: each of the ovf samples lost since pushed the oldest out, so that
	// sample now sits ovf places earlier, or is gone; the @rolled samples lost after the
	// pointer read move it (and every sample) that much further. OVF_COUNTER stops at 31: at 31
	// how many went is unknown, and only the newest sample's time (the read's) places the burst.
	// The newest sample read is the one that was newest at the read, or @rolled samples later.
	const u32 af = acq->almost_full;
	const u64 p = acq->period_ns;
	const u64 newest_ts = read_ts != 0 ? read_ts + u64(rolled) * p : 0;
	if (irq_ts != 0 && (status1 & MAX30102_INT_A_FULL) && af >= 1 && n >= af && ovf < 31 &&
	    u64(ovf) + rolled < af) {
		const u32 index = af - 1 - ovf - rolled;
		// The interrupt must be this A_FULL's. One that came before an earlier burst's status
		// and pointers were read (or before the restart) is of a sample that burst read or the
		// restart discarded: the watchdog's look, a drain or a reconfiguration took the lock
		// while this thread waited, and the chip set A_FULL again since, for another sample,
		// up to almost_full periods later. Its time would put the burst that much early, and
		// with an overflow (no clock continuity to pull it back) the gap out of sight.
		const bool fresh = irq_ts > Max(acq->last_read_ts, acq->start_ts);
		// The newest sample was in the pointers read at read_ts, so it was taken by then. An
		// IRQ time that puts it later came late (the hard IRQ was held off, or the level was
		// delivered at unmask after the thread's own read): the read's time is closer for every
		// sample, and the bursts after it, anchored on time, could come back only a period per
		// burst (timestamps never go backwards).
		const bool in_time = read_ts == 0 || irq_ts + u64(n - 1 - index) * p <= newest_ts;
		if (fresh && in_time)
			return {irq_ts, index, 1};
	}
	return {newest_ts, n > 0 ? n - 1 : 0, 0};
}

// The samples the chip took between the last burst's pointer read and @read (in a drain, up to
// the shutdown, when that came first); not known without both reads' times.
static Taken TakenBetweenReads(const mxrt_acq *acq, const mxrt_acq_ptrs *read) {
	const u64 p = acq->period_ns;
	u64 from = read->start_ts, to = read->end_ts;
	if (acq->stopping) {
		from = Min(from, acq->stop_from);
		to = Min(to, acq->stop_to);
	}
	if (p == 0 || acq->latch_to == 0 || acq->latch_from == 0 || from == 0 || from > to)
		return {0, kNoLimit};
	return TakenBetween(acq->latch_from, acq->latch_to, from, to, p);
}

void mxrt_acq_burst(mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u8 status1,
		    const mxrt_acq_ptrs *read, mxrt_u32 rolled, mxrt_u64 irq_ts, mxrt_u64 popped_ts,
		    mxrt_max30102_record *out) noexcept {
	const bool look_failed = rolled == MXRT_ACQ_ROLLED_UNKNOWN;
	const bool unsure = rolled == MXRT_ACQ_ROLLED_UNSURE;
	if (look_failed || unsure)
		rolled = 0;
	const u64 read_ts = read->end_ts;
	const mxrt_acq_anchor a = mxrt_acq_choose_anchor(acq, n, status1, FifoPtr::Get(read->ovf), rolled, irq_ts,
							 NewestBy(acq, read_ts));
	// Since the last burst's last pop FIFO_RD_PTR moved only by roll-overs: their count modulo 32,
	// whatever OVF_COUNTER (saturated at 31) says.
	const u32 gap_mod = acq->next_rd_known ? FifoPtr::Get(u8(read->rd - acq->next_rd)) : kGapUnknown;
	// From the newest sample at the last burst's read to the newest at this one's: that burst's
	// roll-overs after its read (its last record), what was lost, and this burst's n.
	const Taken between = TakenBetweenReads(acq, read).Less(u64(acq->latch_rolled) + n);
	Decode(acq, buf, n, FifoPtr::Get(read->ovf), rolled, gap_mod, acq->rolled_pending || acq->pops_unknown,
	       a.index, a.ts, int(a.is_irq), &between, out);
	acq->last_read_ts = Max(acq->last_read_ts, read_ts); // an interrupt before it is not the next one's
	acq->latch_from = read->start_ts;
	acq->latch_to = read->start_ts != 0 ? read_ts : 0;
	acq->latch_rolled = rolled;
	// where the next burst's first sample is; after a failed look, less the roll-overs before
	// this burst's first pop, which the next burst then finds in FIFO_RD_PTR's move
	acq->next_rd = FifoPtr::Get(u8(read->rd + rolled + n));
	acq->next_rd_known = 1;
	acq->rolled_pending = look_failed || unsure;
	acq->pops_unknown = 0;
	Popped(acq, n, read, popped_ts);
	if (look_failed)
		acq->look_errors++;
}

void mxrt_acq_found_empty(mxrt_acq *acq, const mxrt_acq_ptrs *read) noexcept {
	if (!acq->stopping || !acq->next_rd_known)
		return; // the next burst counts them
	// Nothing is held (OVF_COUNTER is 0 with it): since the last burst's last pop FIFO_RD_PTR
	// moved by its roll-overs left pending and the pops of a data read that failed part-way.
	u64 count = FifoPtr::Get(u8(read->rd - acq->next_rd));
	// Every sample the chip took since that burst's pointer read, but for those its records took
	// after it (latch_rolled), went: rolled over, popped by a failed read, or held in a FIFO that
	// mxrt_acq_unread took for empty (a failed read of a whole FIFO leaves the pointers equal
	// whether it popped all or none; a full FIFO behind a shutdown whose time is a FIFO of periods
	// wide): the configuration clears those. How many FIFOs is picked as the next burst would
	// (Decode): by the times of the two reads, else by the time since the last record.
	// Without a read whose pops are unsure (a look that could not tell, a failed read), a
	// window that fits more than one count keeps FIFO_RD_PTR's (the FIFO empty, as FullByTime
	// took it when no sample came for certain).
	if (SampleBefore(acq) != 0 && acq->stop_to != 0) {
		const Taken t = TakenBetweenReads(acq, read).Less(acq->latch_rolled);
		bool one;
		const u64 timed = FifoWithin(count, t.lo, t.hi, TakenSince(acq, NewestBy(acq, read->end_ts)), &one);
		if (one || acq->rolled_pending || acq->pops_unknown)
			count = timed;
		if (count >= MAX30102_FIFO_DEPTH)
			acq->lost_estimated++;
	}
	CountUnseen(acq, count);
	acq->rolled_pending = 0;
	acq->pops_unknown = 0;
	acq->next_rd = read->rd;
	if (count == 0)
		return;
	acq->fifo_overflows++;
	acq->lost += count;
	acq->carried_lost += count;
}

void mxrt_acq_decode(mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u32 ovf, mxrt_u32 rolled,
		     mxrt_u32 anchor, mxrt_u64 anchor_ts, int anchor_is_irq,
		     mxrt_max30102_record *out) noexcept {
	const Taken unknown{0, kNoLimit};
	Decode(acq, buf, n, ovf, rolled, kGapUnknown, false, anchor, anchor_ts, anchor_is_irq, &unknown, out);
}

// @gap_mod: the samples lost before the pointer read, modulo 32 (kGapUnknown: not known, only
// through mxrt_acq_decode); @wrapped: they may be a FIFO or more beyond that (the last burst's
// look failed or could not tell, or a FIFO data read failed since: mxrt_acq_burst);
// @between: the samples lost before the pointer read, by the times of the two bursts' reads.
static void Decode(mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u32 ovf, mxrt_u32 rolled,
		   mxrt_u32 gap_mod, bool wrapped, mxrt_u32 anchor, mxrt_u64 anchor_ts,
		   int anchor_is_irq, const Taken *between, mxrt_max30102_record *out) {
	if (n == 0)
		return;
	const u64 p = acq->period_ns;
	if (anchor >= n)
		anchor = n - 1;
	// When the first sample of the burst was taken, by the anchor.
	const u64 back = u64(anchor) * p;
	const u64 first_by_anchor = anchor_ts > back ? anchor_ts - back : 0;
	u64 lost = u64(ovf) + rolled;
	const u64 before = SampleBefore(acq);
	// The samples lost since the one before, by the time from it to this burst's first: all of
	// them, those rolled over after the pointer read (@rolled) included; 0 if not known.
	u64 lost_by_time = 0;
	if (before != 0) {
		const u64 span = first_by_anchor > before ? first_by_anchor - before : 0;
		const u64 periods = (span + p / 2) / p;
		lost_by_time = periods > 1 ? periods - 1 : 0;
	}
	if (rolled > 0)
		acq->late_rollovers++;
	const bool pending = wrapped && gap_mod != kGapUnknown;
	if (ovf < 31 && gap_mod != kGapUnknown) {
		// FIFO_RD_PTR moved beyond the roll-overs OVF_COUNTER shows: a FIFO read that failed
		// part-way popped samples (and cleared the counter of those before them), or a
		// roll-over went uncounted. Lost all the same, and now said.
		u64 unseen = FifoPtr::Get(u8(gap_mod - ovf));
		// ... the roll-overs before the last burst's first pop, whose look failed: held off for a
		// FIFO of periods or more, they wrapped the pointer. The last burst was stamped early by
		// them, so the times of the two bursts' reads (or, not known, the time since its last
		// record), less what this burst counts otherwise, say how many FIFOs. So do they for the
		// pops of a FIFO data read that failed since, which may be a whole FIFO (32, which the
		// pointer's count modulo 32 showed as none). Not in a drain whose shutdown's time is not
		// known (mxrt_acq_stopping): the pointer's count modulo 32 stands.
		if (pending && before != 0 && (!acq->stopping || acq->stop_to != 0)) {
			const Taken t = between->Less(ovf);
			bool one;
			unseen = FifoWithin(unseen, t.lo, t.hi, lost_by_time > ovf + rolled ? lost_by_time - ovf - rolled : 0,
					    &one);
			if (unseen >= MAX30102_FIFO_DEPTH)
				acq->lost_estimated++; // FIFOs the time picked
		}
		CountUnseen(acq, unseen);
		lost += unseen;
	}
	if (ovf >= 31) {
		// OVF_COUNTER stops at 31. With FIFO_RD_PTR's count modulo 32 the time between the
		// bursts only picks how many FIFOs more (exact while it is off by less than 16 periods);
		// without it (mxrt_acq_decode), the time alone says, to the nearest period (one high
		// when the read that anchors the burst came over half a period after its newest sample).
		u64 at_ptr = 31;
		if (gap_mod != kGapUnknown)
			at_ptr = gap_mod >= 31 ? gap_mod : gap_mod + MAX30102_FIFO_DEPTH;
		if (before != 0) {
			const u64 est = lost_by_time > rolled ? lost_by_time - rolled : 0;
			bool one;
			at_ptr = gap_mod == kGapUnknown ? Max<u64>(at_ptr, est)
							: FifoWithin(at_ptr, between->lo, between->hi, est, &one);
		}
		if (at_ptr > 31)
			acq->lost_estimated++;
		// A record's lost is 32 bits: seq skips what it says (b.seq == a.seq + 1 + b.lost)
		lost = Min<u64>(at_ptr + rolled, 0xffffffffull);
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
	// The samples are in order, so are their timestamps: an anchor that puts this burst at or
	// before the previous record (that one was stamped late: anchored at the time its pointers
	// were read, or an IRQ came late) starts it right after that record. Only then: a clamp any
	// wider would keep the clock from following a chip whose period is a few percent short
	// (each burst would keep part of its drift, and the error would grow without bound).
	if (acq->last_ts != 0 && first <= acq->last_ts)
		first = acq->last_ts + 1;
	// ... and so across a restart: the drain before it stamped its samples by the shutdown's
	// time, which can put them a few periods late, after the restart's first samples. Not by
	// more than a FIFO of periods: stamps that far ahead are a chip's clock running fast beyond
	// what the clamp above can follow (over 1/n fast for bursts of n), and the restart is where
	// they come back to the truth.
	if (first <= acq->newest_ts && acq->newest_ts - first < u64(MAX30102_FIFO_DEPTH) * p)
		first = acq->newest_ts + 1;
	acq->bursts++;
	acq->samples += n;
	acq->max_backlog = Max<u64>(acq->max_backlog, n);
	if (lost > 0) {
		acq->fifo_overflows++;
		acq->lost += lost;
	}
	// what was counted before and not reported yet (mxrt_acq_found_empty) goes with it
	const u64 gap = Min<u64>(lost + acq->carried_lost, 0xffffffffull);
	acq->carried_lost = 0;
	const u32 bytes = acq->channels * MAX30102_BYTES_PER_CHANNEL;
	for (u32 i = 0; i < n; i++) {
		mxrt_max30102_record &r = out[i];
		const u8 *s = buf + i * bytes;
		r = {};
		if (i == 0 && gap > 0) {
			acq->next_seq += gap;
			r.lost = u32(gap);
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
	acq->last_ts = acq->newest_ts = out[n - 1].timestamp_ns;
}

/* ---- the interrupt's health ---- */

mxrt_irq_verdict mxrt_irq_health_irq(mxrt_irq_health *h, mxrt_u8 status, int n, mxrt_u64 now) noexcept {
	Bump(h->irqs);
	// Only the interrupts we enable can have asked (INT follows the enabled status bits), though
	// the chip sets every status bit on its event, enabled or not (PPG_RDY at each sample): a
	// line stuck low must not look serviced whenever a sample happens to fall in. PWR_RDY cannot
	// be disabled and asserts INT: a power-on reset, which the acquisition acted upon.
	if ((status & (MXRT_ACQ_INTERRUPTS | MAX30102_INT_PWR_RDY)) != 0) {
		h->unhandled_run = 0;
		return MXRT_IRQ_VERDICT_HANDLED;
	}
	if (n >= 0)
		Bump(h->spurious); // not the chip's, whatever samples were found on the way
	if (++h->unhandled_run < MXRT_IRQ_STUCK_RUN)
		return n != 0 ? MXRT_IRQ_VERDICT_HANDLED : MXRT_IRQ_VERDICT_NONE;
	// INT stays asserted with nothing to read (or nothing can be read): off for a while, poll.
	h->unhandled_run = 0;
	Bump(h->stuck);
	AtomicRef<u64>(h->off_until).Store(now + u64(MXRT_IRQ_STUCK_BACKOFF_MS) * 1'000'000, MemoryOrder::kRelaxed);
	AtomicRef<u32>(h->off).Store(1, MemoryOrder::kRelease); // pairs with the acquire in _thread
	return MXRT_IRQ_VERDICT_DISABLE;
}

void mxrt_irq_health_looked(mxrt_irq_health *h, mxrt_u64 now) noexcept {
	AtomicRef<u64>(h->last_look_ns).Store(now, MemoryOrder::kRelaxed);
}

void mxrt_irq_health_expired(mxrt_irq_health *h) noexcept {
	Bump(h->expiries); // the mxrt_wd thread: one recovery at a time
	// Relaxed: the flag publishes nothing (the thread reads last_look_ns and the window itself);
	// the wake-up that follows it (a wait queue) orders it before the thread's look.
	AtomicRef<u32>(h->overdue).Store(1, MemoryOrder::kRelaxed);
}

mxrt_u32 mxrt_irq_health_sleep_ms(const mxrt_irq_health *h, const mxrt_acq *acq, int has_irq) noexcept {
	const bool polling = !has_irq || AtomicRef<const u32>(h->off).Load(MemoryOrder::kRelaxed);
	if (!polling)
		return 0; // until woken: the lost-interrupt watchdog looks after the IRQ
	return Max<u32>(AtomicRef<const u32>(acq->poll_ms).Load(MemoryOrder::kRelaxed), 1);
}

mxrt_u32 mxrt_irq_health_thread(mxrt_irq_health *h, const mxrt_bus_health *bus, const mxrt_acq *acq,
				int has_irq, mxrt_u64 now) noexcept {
	// Pairs with the release in _irq: off_until is the one stored with it.
	if (!has_irq || AtomicRef<u32>(h->off).Load(MemoryOrder::kAcquire)) {
		Bump(h->polls);
		if (has_irq && now >= AtomicRef<u64>(h->off_until).Load(MemoryOrder::kRelaxed)) {
			AtomicRef<u32>(h->off).Store(0, MemoryOrder::kRelaxed);
			return MXRT_THREAD_ACQUIRE | MXRT_THREAD_ENABLE_IRQ;
		}
		return MXRT_THREAD_ACQUIRE;
	}
	// Relaxed: see _expired.
	const bool expired = AtomicRef<u32>(h->overdue).Exchange(0, MemoryOrder::kRelaxed) != 0;
	const u64 last = AtomicRef<u64>(h->last_look_ns).Load(MemoryOrder::kRelaxed);
	const u64 window = AtomicRef<const u64>(acq->window_ns).Load(MemoryOrder::kRelaxed);
	// `last` may be later than `now` (an acquisition ran since `now` was read): not overdue.
	// An expiry without an overdue window is an interrupt that came after the deadline, before
	// this thread ran: nothing was lost.
	if (expired && now > last && now - last > window) {
		h->overdue_gap_ns = now - last; // this thread's alone
		return MXRT_THREAD_ACQUIRE | MXRT_THREAD_WATCHDOG;
	}
	// A chip to configure (a failed write, a resume that failed) or to re-initialise (a stuck bus
	// was recovered) gets it without waiting for an interrupt, which it may never raise.
	if (mxrt_bus_reinit_pending(bus) ||
	    AtomicRef<const u32>(acq->state).Load(MemoryOrder::kRelaxed) == MXRT_CHIP_STALE)
		return MXRT_THREAD_ACQUIRE;
	return 0;
}

void mxrt_irq_health_thread_done(mxrt_irq_health *h, mxrt_u32 actions, int n) noexcept {
	if ((actions & MXRT_THREAD_WATCHDOG) && n > 0) {
		Bump(h->missed);
		// One writer (this thread); read by debugfs.
		AtomicRef<u64>(h->missed_gap_ns).Store(h->overdue_gap_ns, MemoryOrder::kRelaxed);
		if (h->overdue_gap_ns > h->missed_gap_max_ns)
			AtomicRef<u64>(h->missed_gap_max_ns).Store(h->overdue_gap_ns, MemoryOrder::kRelaxed);
	}
}

int mxrt_irq_health_check_chip(const mxrt_acq *acq, mxrt_u32 actions, int n) noexcept {
	return (actions & MXRT_THREAD_WATCHDOG) && n == 0 && acq->state == MXRT_CHIP_RUNNING;
}

/* ---- the bus ---- */

int mxrt_bus_check_timeout(mxrt_u32 ms) noexcept {
	return ms >= MXRT_BUS_TIMEOUT_MS_MIN && ms <= MXRT_BUS_TIMEOUT_MS_MAX ? 0 : -MXRT_EINVAL;
}

int mxrt_pm_check_autosuspend(mxrt_u32 ms) noexcept {
	return ms <= MXRT_AUTOSUSPEND_MS_MAX ? 0 : -MXRT_EINVAL;
}

mxrt_u32 mxrt_bus_stuck(mxrt_bus_health *b, mxrt_u32 count, int adapter_can_recover) noexcept {
	u32 steps = 0;
	Bump(b->expiries);
	if (count <= 1) {
		Bump(b->stuck);
		steps |= MXRT_BUS_FIRST;
	}
	// At every expiry while the sequence is stuck: one recovery may not be enough (a device that
	// holds SDA low again), and it costs nothing on a bus that is not stuck. Without one, the
	// adapter's own timeout ends the transfer (1 s on most controllers).
	if (adapter_can_recover)
		steps |= MXRT_BUS_RECOVER;
	else
		Bump(b->no_recovery);
	return steps;
}

void mxrt_bus_recovered(mxrt_bus_health *b, mxrt_u32 steps, int err) noexcept {
	if (steps & MXRT_BUS_RECOVER)
		Bump(err == 0 ? b->recoveries : b->recovery_errors);
	// Whatever the bus did meanwhile (a transfer aborted part-way, a write that half happened),
	// the chip's state is unknown. Release: pairs with the acquire in _take_reinit/_pending, so
	// that whoever takes the request also sees the counts of the recovery that made it.
	AtomicRef<u32>(b->reinit).Store(1, MemoryOrder::kRelease);
}

int mxrt_bus_reinit_pending(const mxrt_bus_health *b) noexcept {
	return AtomicRef<const u32>(b->reinit).Load(MemoryOrder::kAcquire) != 0;
}

int mxrt_bus_take_reinit(mxrt_bus_health *b, mxrt_acq *acq) noexcept {
	// Acquire: pairs with the release in _recovered.
	if (AtomicRef<u32>(b->reinit).Exchange(0, MemoryOrder::kAcquire) == 0)
		return 0;
	Bump(b->reinits); // under the device lock: one writer at a time
	if (acq->state != MXRT_CHIP_OFF) {
		// A running chip goes on sampling through a stuck bus: the drain before its
		// re-initialisation judges an exactly full FIFO by the time, as for a RUNNING chip
		// (FullByTime), and a reset found then is one (ResetFound).
		const bool running = Sampling(acq); // RUNNING, or STALE still sampling
		SetState(acq, MXRT_CHIP_STALE);
		acq->sampling = running;
	}
	return 1;
}

/* ---- priority boost ---- */

int mxrt_boost_check_threshold(mxrt_u32 v) noexcept {
	return v >= MXRT_BOOST_THRESHOLD_MIN && v <= MXRT_BOOST_THRESHOLD_MAX ? 0 : -MXRT_EINVAL;
}

int mxrt_boost_check_prio(mxrt_u32 v) noexcept {
	return v > MXRT_ACQ_THREAD_PRIO && v <= 99 ? 0 : -MXRT_EINVAL;
}

mxrt_boost_step mxrt_boost_decide(const mxrt_boost *b, mxrt_u32 backlog, mxrt_u32 threshold, mxrt_u32 expected,
				  mxrt_u32 prio, const void *task, mxrt_u32 task_rt_prio) noexcept {
	if (!b->boosted && backlog > threshold && task_rt_prio < prio)
		return {MXRT_BOOST_RAISE, 1, prio, task_rt_prio};
	// Hysteresis: back once the backlog's excess over what a prompt read finds halved (only the
	// thread that was raised can lower itself). Halving the backlog itself never happened where
	// every read finds fifo_almost_full (17..32) samples: the interrupt kept a thread raised for
	// good. With a threshold at or below that level every read is over it: no lowering either,
	// as the threshold asks.
	const u32 lower_at = expected >= threshold ? threshold : expected + (threshold - expected) / 2;
	if (b->boosted && b->task == task && backlog <= lower_at)
		return {MXRT_BOOST_LOWER, b->saved_prio != 0, b->saved_prio, 0};
	return {MXRT_BOOST_NONE, 0, 0, 0};
}

void mxrt_boost_done(mxrt_boost *b, const mxrt_boost_step *step, const void *task, int err) noexcept {
	if (step->action == MXRT_BOOST_RAISE && err == 0) {
		b->boosted = 1;
		b->task = task;
		b->saved_prio = step->saved_prio;
		b->boosts++;
	} else if (step->action == MXRT_BOOST_LOWER) {
		b->boosted = 0; // even if the call failed: never retry a lowering forever
		b->task = nullptr;
	}
}

void mxrt_boost_forget(mxrt_boost *b, const void *task) noexcept {
	if (b->task == task) {
		b->boosted = 0;
		b->task = nullptr;
	}
}

/* ---- power management ---- */

int mxrt_acq_suspended(mxrt_acq *acq, mxrt_pm_kind kind, int err) noexcept {
	acq->stopping = 0;
	if (err == 0 || kind == MXRT_PM_SYSTEM) {
		// A system suspend that failed to read the FIFO out leaves it to the resume: what the
		// chip holds (if it keeps power) is read before the configuration clears it. If its
		// shutdown did not reach the chip, it samples on through the suspend.
		const bool sampling = err != 0 && (acq->unstopped || acq->maybe_to != 0);
		acq->unstopped = 0;
		acq->undrained = err != 0;
		SetState(acq, MXRT_CHIP_OFF);
		acq->sampling = sampling;
		return 0;
	}
	// The chip may be half shut down: whoever acquires next configures it again (STALE), and the
	// PM core retries the suspend without latching an error.
	Stale(acq);
	return -MXRT_EAGAIN;
}

int mxrt_acq_resumed(mxrt_acq *acq, int err) noexcept { return 0; }

} // extern "C"
