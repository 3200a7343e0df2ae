/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (called by the driver glue, kernel/max30102/driver_glue.c; implemented by
 * kernel/max30102/acq.cpp) and user space (tests).
 *
 * The driver's decisions, so that unit tests reach them and the glue only does what they say:
 *   - the configuration: validation, a field changed by sysfs, the register writes that apply it;
 *   - one FIFO burst: how many samples the pointers mean (full or empty), which timestamp anchors
 *     the sample clock, decoding, numbering, overflow accounting;
 *   - the interrupt's health: a stuck line (interrupts without a status bit) and lost interrupts
 *     (nothing acquired for too long, found by a watchdog of the mxrt_watchdog library), with the
 *     poll interval and the lost-interrupt window;
 *   - the bus's health: an I2C sequence that overran its budget (a stuck bus, found by a second
 *     watchdog), what its recovery does, and the chip's re-initialisation after it;
 *   - the priority boost of an acquisition thread that falls behind, and its module parameters;
 *   - what the chip's power state is after a suspend or resume attempt, and what the PM core hears;
 *   - a chip that lost power and came back reset (PWR_RDY, or MODE_CONFIG at the watchdog's look);
 *   - the die temperature.
 * Errors are negative MXRT_E* values (the kernel's errno values).
 */
#ifndef MXRT_MAX30102_ACQ_H
#define MXRT_MAX30102_ACQ_H

#include <lib/abi.h>
#include <max30102/regs.h>
#include <mxrt/max30102.h>

MXRT_EXTERN_C_BEGIN

/* ---- configuration ---------------------------------------------------------------------------- */

/* The user-visible configuration, in user units (C view of mxrt::max30102::Config). */
struct mxrt_max30102_config {
	mxrt_u32 mode; /* MAX30102_MODE_HR, _SPO2 or _MULTI (slots red, IR) */
	mxrt_u32 sample_rate_hz, pulse_width_us, adc_range_na, sample_average;
	mxrt_u32 fifo_almost_full; /* unread samples that raise A_FULL, 17..32 */
	mxrt_u32 red_current_ua, ir_current_ua;
};

/* The fields sysfs sets one at a time. */
enum mxrt_max30102_field {
	MXRT_MAX30102_MODE,
	MXRT_MAX30102_SAMPLE_RATE,
	MXRT_MAX30102_PULSE_WIDTH,
	MXRT_MAX30102_ADC_RANGE,
	MXRT_MAX30102_SAMPLE_AVERAGE,
	MXRT_MAX30102_FIFO_ALMOST_FULL,
	MXRT_MAX30102_RED_CURRENT,
	MXRT_MAX30102_IR_CURRENT,
};

void mxrt_max30102_config_default(struct mxrt_max30102_config *c) MXRT_NOEXCEPT;
/* 0, or -MXRT_EINVAL if a field or the rate/pulse-width combination is not the chip's. */
int mxrt_max30102_config_validate(const struct mxrt_max30102_config *c) MXRT_NOEXCEPT;
/* Field f (an enum mxrt_max30102_field; 0 for anything else) of *c. */
mxrt_u32 mxrt_max30102_config_get(const struct mxrt_max30102_config *c, mxrt_u32 f) MXRT_NOEXCEPT;
/*
 * *c with field f (an enum mxrt_max30102_field) set to v, if the result is a valid configuration:
 * 0. Otherwise (an unknown field too) -MXRT_EINVAL and *c is unchanged. The caller holds whatever
 * lock guards *c across the read-modify-apply.
 */
int mxrt_max30102_config_set(struct mxrt_max30102_config *c, mxrt_u32 f, mxrt_u32 v) MXRT_NOEXCEPT;

/* One register write (the glue turns a sequence into a struct reg_sequence[]). */
struct mxrt_reg_write {
	mxrt_u8 reg, val;
};
#define MXRT_MAX30102_CONFIG_WRITES 13
/*
 * The writes that apply a valid configuration to a chip that is shut down (MODE_CONFIG with SHDN,
 * see mxrt_max30102_shutdown_value): first the new mode, still shut down, so that SPO2_CONFIG is
 * written under the mode it is for (the chip lowers a rate too high for the pulse width, and the
 * highest rate depends on the mode: datasheet tables 11 and 12); every configuration register,
 * the FIFO pointers and overflow counter cleared, the interrupt enables (A_FULL only with an
 * IRQ), and last MODE_CONFIG without SHDN, which starts sampling. Returns the number of writes
 * (MXRT_MAX30102_CONFIG_WRITES).
 */
mxrt_u32 mxrt_max30102_config_writes(const struct mxrt_max30102_config *c, int has_irq,
				     struct mxrt_reg_write out[MXRT_MAX30102_CONFIG_WRITES]) MXRT_NOEXCEPT;
/* MODE_CONFIG that stops sampling and keeps the configuration's mode bits (the driver's stop
 * writes it for the mode its decoder runs: mxrt_acq_shutdown_value). */
mxrt_u8 mxrt_max30102_shutdown_value(const struct mxrt_max30102_config *c) MXRT_NOEXCEPT;

/* The die temperature in m°C (rounded down) from TEMP_INT and TEMP_FRAC. */
mxrt_s32 mxrt_max30102_temp_millic(mxrt_u8 temp_int, mxrt_u8 temp_frac) MXRT_NOEXCEPT;

/* ---- acquisition: one FIFO burst at a time -------------------------------------------------- */

/*
 * What the chip is doing, as far as the driver knows. OFF: shut down (runtime or system suspend,
 * and before the first reader). RUNNING: configured and sampling. STALE: a write to the chip
 * failed, so its state is unknown; the configuration is applied again before the next FIFO read
 * (by the interrupt thread or the poll/watchdog thread), until it succeeds.
 */
enum mxrt_chip_state { MXRT_CHIP_OFF = 0, MXRT_CHIP_RUNNING = 1, MXRT_CHIP_STALE = 2 };

/*
 * The acquisition state. Written under the device lock only; state, poll_ms, watchdog_ms and
 * window_ns are also read by the poll thread without it (relaxed atomics: each is a value of its
 * own). The counters are read under the device lock.
 */
struct mxrt_acq {
	/* the decoder's configuration (mxrt_acq_applied) */
	mxrt_u64 period_ns;
	mxrt_u32 channels, adc_bits, mode, almost_full;
	mxrt_u32 configured; /* a configuration was applied once: there is something to decode */
	mxrt_u32 restart;    /* the next record gets MXRT_MAX30102_REC_RESTART */
	mxrt_u32 state;      /* enum mxrt_chip_state */
	mxrt_u32 undrained;  /* OFF, but a system suspend could not read the FIFO out: the next
			      * configuration does (mxrt_acq_drain_needed) */
	mxrt_u32 stopping;   /* the shutdown before a drain was written (mxrt_acq_stopping) */
	mxrt_u64 stop_from, stop_to; /* ... between these (0: not known): no sample after it */
	mxrt_u32 stop_sampled; /* ... and the chip was sampling as configured until then (kept with
				* the times through a retried drain; a reset seen since clears it) */
	mxrt_u32 unstopped; /* a stop failed before its shutdown: the chip samples on (mxrt_acq_not_stopped) */
	mxrt_u64 maybe_from, maybe_to; /* a shutdown whose write failed, of a sampling chip, was
					* written between these, or not at all (0: none such) */
	mxrt_u32 drained;    /* ... and the FIFO read out since (mxrt_acq_drained) */
	/* a configuration whose writes failed after the shutdown before them was written
	 * (mxrt_acq_config_failed), between tried_from and tried_to (0: none such): its last write,
	 * the one that starts sampling, may have reached the chip */
	struct mxrt_max30102_config tried;
	mxrt_u64 tried_from, tried_to;
	mxrt_u32 sampling;   /* STALE or OFF, but the chip still samples as configured: a
			      * re-initialisation after a stuck bus (mxrt_bus_take_reinit), a stop that
			      * failed before its shutdown (mxrt_acq_not_stopped) or may have
			      * (mxrt_acq_stop_failed) */
	/* the poll thread's and the lost-interrupt watchdog's timing, from the period and the
	 * almost-full threshold */
	mxrt_u32 poll_ms;     /* without an interrupt: look at the FIFO this often */
	mxrt_u32 watchdog_ms; /* with one: the lost-interrupt watchdog's timeout (window_ns rounded up) */
	mxrt_u64 window_ns;   /* nothing acquired for this long: an interrupt was lost */
	/* state */
	mxrt_u64 next_seq;
	mxrt_u64 last_ts; /* timestamp of the last record, 0 = none since restart */
	mxrt_u64 newest_ts; /* ... kept across restarts: timestamps only increase */
	mxrt_u64 start_ts; /* when the restart started sampling (mxrt_acq_started), 0 = not known */
	mxrt_u64 last_read_ts; /* when the last burst's pointers were read (mxrt_acq_burst), 0 = none */
	/* the chip latched the last burst's pointers between latch_from and latch_to (latch_to 0: not
	 * known), and that burst's last record was the sample newest then, latch_rolled samples later
	 * (its mxrt_acq_rolled count, as used); before the first burst, the restart's writes
	 * (mxrt_acq_started), as if a sample had been taken then */
	mxrt_u64 latch_from, latch_to;
	mxrt_u32 latch_rolled;
	/* FIFO_RD_PTR after the last burst's last pop (the configuration's 0 after a restart), if
	 * next_rd_known; rolled_pending: but for the roll-overs before that burst's first pop, which a
	 * look that failed did not count (mxrt_acq_burst): the next burst finds them there */
	mxrt_u32 next_rd, next_rd_known, rolled_pending;
	/* after the last FIFO data read the FIFO can be empty only if no sample was taken after
	 * empty_ref_ts (0: not known): the read's return if it popped all 32 (nothing was left), else
	 * its pointer read's end (what it left is still there, or rolled over and some are left).
	 * mxrt_acq_unread tells an empty FIFO from a full one by it instead of by the time since the
	 * last record while pops_unknown (that read failed: how many it popped is not known,
	 * mxrt_acq_read_failed) or rolled_pending (the records were stamped early by roll-overs) */
	mxrt_u64 empty_ref_ts;
	mxrt_u32 pops_unknown;
	mxrt_u32 popped_whole; /* ... and that read was of a whole FIFO (32) */
	/* lost samples counted (lost, fifo_overflows) but not reported yet: the next record's lost
	 * says them (a drain found the FIFO empty after samples went unseen: mxrt_acq_found_empty) */
	mxrt_u64 carried_lost;
	/* counters */
	mxrt_u64 samples, bursts, fifo_overflows, lost, lost_estimated, reanchors, max_backlog;
	mxrt_u64 late_rollovers; /* bursts whose FIFO rolled over after its pointers were read */
	mxrt_u64 look_errors; /* looks after a burst that failed (MXRT_ACQ_ROLLED_UNKNOWN) */
	mxrt_u64 looks_unsure; /* looks that could not tell the roll-over count (mxrt_acq_rolled) */
	mxrt_u64 reads_again; /* pointer reads too slow to count by, read again (mxrt_acq_read_again) */
	mxrt_u64 lost_unseen; /* lost samples OVF_COUNTER did not show: FIFO_RD_PTR moved beyond it */
	mxrt_u64 resets_seen; /* power-on resets found, sampling or not: what the chip held is gone
			       * (a die temperature conversion under way too) */
	mxrt_u64 chip_resets; /* power-on resets found while sampling (mxrt_acq_status_seen, _mode_seen,
			       * _mode_before_stop) */
	mxrt_u64 configs_took; /* configurations whose writes failed but whose last write the chip
				* took: what it sampled was read out (mxrt_acq_mode_before_stop) */
};

/*
 * (Re)starts the decoder and the sample clock: mode as in MODE_CONFIG (multi-LED: slots red, IR);
 * the next record is flagged RESTART. mxrt_acq_applied calls it; tests use it directly.
 */
void mxrt_acq_configure(struct mxrt_acq *acq, mxrt_u32 mode, mxrt_u32 sample_rate_hz,
			mxrt_u32 average, mxrt_u32 pulse_width_us) MXRT_NOEXCEPT;
/*
 * After the configuration writes (mxrt_max30102_config_writes) returned @err: on success the
 * decoder and the sample clock restart for @c (mxrt_acq_configure), the poll and watchdog
 * intervals follow from it, and the chip is RUNNING; on failure it is STALE (the caller's
 * configuration stays what it was). Returns @err.
 */
int mxrt_acq_applied(struct mxrt_acq *acq, const struct mxrt_max30102_config *c, int err) MXRT_NOEXCEPT;
/*
 * The configuration applied (mxrt_acq_applied, success) started sampling between @from_ts (before
 * its writes; 0: not known) and @to_ts, when its last write returned: the reference for an
 * overflow past OVF_COUNTER's saturation in the first burst after the restart, when there is no
 * previous record to measure the gap from. The samples taken since are bounded as after a read
 * of the pointers (mxrt_acq_burst).
 */
void mxrt_acq_started(struct mxrt_acq *acq, mxrt_u64 from_ts, mxrt_u64 to_ts) MXRT_NOEXCEPT;
/*
 * The shutdown before a drain (mx_stop_locked) was written: it cleared every interrupt status
 * (DS p.17), A_FULL too, so the drain's mxrt_acq_unread tells a FIFO of exactly 32 from an empty
 * one by the time (else the configuration or shutdown after it would discard the 32 uncounted).
 * The shutdown's write started at @from_ts and returned at @to_ts (0: not known), and the chip
 * took no sample after it, so the drain places its newest sample there, not at its own read,
 * however much later that came (a held-off thread): what was lost, past OVF_COUNTER's 31, is
 * counted from the time to it. Until mxrt_acq_applied or mxrt_acq_suspended records what
 * followed.
 */
void mxrt_acq_stopping(struct mxrt_acq *acq, mxrt_u64 from_ts, mxrt_u64 to_ts) MXRT_NOEXCEPT;
/*
 * The stop before a drain failed before its shutdown was written (the status look before it):
 * a sampling chip samples on as configured, so the STALE state the failure leaves
 * (mxrt_acq_applied, mxrt_acq_suspended) keeps it sampling (mxrt_acq_sampling), and the retry's
 * drain tells an exactly full FIFO by the time (it took it for empty, and the configuration
 * cleared the 32 uncounted: at a threshold of 32 the retrying interrupt comes exactly then).
 */
void mxrt_acq_not_stopped(struct mxrt_acq *acq) MXRT_NOEXCEPT;
/*
 * The shutdown's write, started at @from_ts and failed at @to_ts, may or may not have reached the
 * chip. A sampling chip is then taken to sample on (STALE, mxrt_acq_sampling), and the next stop
 * reads MODE_CONFIG first (as it does for every sampling chip: mxrt_acq_mode_before_stop): with
 * SHDN set the chip stopped within this write (the drain tells a full FIFO by that time), else it
 * sampled on until the new shutdown. Without that an exactly full FIFO was taken for empty and
 * cleared uncounted (at a threshold of 32 the retrying interrupt comes exactly then), or, taken
 * for full, an empty one gave 32 records of zeros.
 */
void mxrt_acq_stop_failed(struct mxrt_acq *acq, mxrt_u64 from_ts, mxrt_u64 to_ts) MXRT_NOEXCEPT;
/*
 * The configuration writes for @c (mxrt_max30102_config_writes, after a stop that wrote its
 * shutdown) started at @from_ts and failed at @to_ts; mxrt_acq_applied made the chip STALE. A
 * transfer that fails may still have reached the chip: if the last write did (MODE_CONFIG, SHDN
 * clear: every write before it returned success, or the sequence would have stopped there), the
 * chip samples as @c from then on, into a FIFO the writes emptied, while the driver holds it
 * stopped. The retry's configuration would clear what it took, uncounted; so the next stop reads
 * MODE_CONFIG first (mxrt_acq_mode_look_needed, mxrt_acq_mode_before_stop).
 */
void mxrt_acq_config_failed(struct mxrt_acq *acq, const struct mxrt_max30102_config *c,
			    mxrt_u64 from_ts, mxrt_u64 to_ts) MXRT_NOEXCEPT;
/* Whether the last configuration's writes failed and may have started sampling (above). */
int mxrt_acq_config_unsure(const struct mxrt_acq *acq) MXRT_NOEXCEPT;
/*
 * Whether the stop reads FIFO_CONFIG and MODE_CONFIG (one transfer) before its shutdown, after
 * its status look, for mxrt_acq_mode_before_stop: a sampling chip (mxrt_acq_sampling), one whose
 * configuration writes failed (mxrt_acq_config_unsure), and one with a FIFO to drain
 * (mxrt_acq_drain_needed: a drain that failed, retried).
 */
int mxrt_acq_mode_look_needed(const struct mxrt_acq *acq) MXRT_NOEXCEPT;
/*
 * FIFO_CONFIG and MODE_CONFIG read before the shutdown that starts a drain (above).
 *   - FIFO_CONFIG without ROLLOVER_EN: every configuration sets it, no shutdown touches it, and a
 *     power-on reset clears it, so the chip was reset since the last configuration writes,
 *     whatever MODE_CONFIG says (a shutdown of ours written after the reset sets SHDN again) and
 *     whether or not a status read saw PWR_RDY (one that failed after the chip took it cleared
 *     it): as for mxrt_acq_status_seen (the pointers and what the FIFO held are forgotten; STALE
 *     and counted, 1, if sampling), so the drain does not count the reset pointers against the
 *     old ones nor take the reset chip's empty FIFO for a full one.
 *   - After failed configuration writes: @c's mode with SHDN clear is their last write taken
 *     (only it clears SHDN): the chip has sampled as @c since those writes, and the decoder and
 *     the sample clock restart for it as for a configuration applied then (mxrt_acq_applied,
 *     mxrt_acq_started: the drain reads out what it took, flagged RESTART, and counts what
 *     overflowed). Anything else: it did not start, and nothing was taken.
 *   - Of a sampling chip: SHDN clear and anything but the decoder's mode (its configuration's)
 *     is a chip that was reset with its PWR_RDY unseen (a status read that cleared it and then
 *     failed, or polling, where no interrupt shows it): as for mxrt_acq_status_seen (STALE,
 *     counted, 1), so the drain does not take the reset chip's empty FIFO for a full one (32
 *     records of zeros) nor count its pointers against the old ones. SHDN set is a shutdown of
 *     ours that reached the chip (a reset clears SHDN; the shutdown may carry the glue's mode):
 *     after a shutdown whose write failed (mxrt_acq_stop_failed), the chip stopped within it.
 * 0 otherwise.
 */
int mxrt_acq_mode_before_stop(struct mxrt_acq *acq, mxrt_u8 fifo_config, mxrt_u8 mode_config) MXRT_NOEXCEPT;
/*
 * MODE_CONFIG for the shutdown before a drain: SHDN with the mode the decoder runs, @c's (the
 * glue's configuration) before any. The chip pops FIFO_DATA in the format its MODE_CONFIG says,
 * and a configuration found started by mxrt_acq_mode_before_stop may have another mode than @c:
 * a shutdown with @c's would have the drain read one format as the other.
 */
mxrt_u8 mxrt_acq_shutdown_value(const struct mxrt_acq *acq, const struct mxrt_max30102_config *c) MXRT_NOEXCEPT;
/*
 * The drain after the shutdown read the FIFO out (or had nothing to read): nothing of the decoder
 * is left in it, and none comes until a configuration starts sampling (mxrt_acq_applied,
 * success). A configuration whose writes fail part-way may leave the FIFO pointers apart
 * (FIFO_WR_PTR written, FIFO_RD_PTR not): the retry must not drain what they seem to hold.
 */
void mxrt_acq_drained(struct mxrt_acq *acq) MXRT_NOEXCEPT;
/*
 * Whether the FIFO holds samples of the current decoder that must be read out before the chip is
 * reconfigured or shut down (so that a restart discards nothing): the decoder is configured, it
 * was not read out since the chip last stopped sampling (mxrt_acq_drained), and the chip is not
 * OFF, or OFF after a system suspend that could not read it out (mxrt_acq_suspended: the resume's
 * configuration reads it first). The caller writes mxrt_acq_shutdown_value
 * first (no new samples), then reads the FIFO as for an interrupt without a timestamp.
 */
int mxrt_acq_drain_needed(const struct mxrt_acq *acq) MXRT_NOEXCEPT;
/*
 * Whether the chip samples as configured: RUNNING; STALE for a re-initialisation after a stuck
 * bus; STALE or OFF (a system suspend goes on) after a stop that failed before its shutdown
 * (mxrt_acq_not_stopped) or whose shutdown write failed (mxrt_acq_stop_failed). Before the
 * shutdown that starts a drain, the caller reads INT_STATUS1 of such a chip (and of one with a
 * FIFO to drain) and passes it to mxrt_acq_status_seen: the shutdown clears every interrupt
 * status (DS p.17), PWR_RDY too, and a reset chip's empty FIFO must not be judged full by the time
 * afterwards; then MODE_CONFIG (mxrt_acq_mode_before_stop).
 */
int mxrt_acq_sampling(const struct mxrt_acq *acq) MXRT_NOEXCEPT;

/*
 * A chip that lost power (a power cycle, a brown-out) comes back with every register at its
 * power-on value: not sampling, no interrupt enabled but PWR_RDY, which cannot be masked and
 * asserts INT until INT_STATUS1 is read. Nothing it sampled before is left in its FIFO.
 *
 * mxrt_acq_status_seen: INT_STATUS1 as an acquisition read it (device lock held; every status
 * read goes through it, so no PWR_RDY is read and ignored). PWR_RDY while the chip is RUNNING is
 * a power-on reset since the previous read: the chip becomes STALE (the configuration is written
 * again, as after a bus error, and the next record is flagged RESTART), chip_resets counts it,
 * and 1 is returned: the glue logs it and reads nothing more (the FIFO pointers are the power-on
 * chip's). So while it samples otherwise (mxrt_acq_sampling). Otherwise 0: a PWR_RDY while the
 * chip is not sampling is answered by the configuration written anyway (at the resume, by the
 * retry); either way the core forgets where FIFO_RD_PTR stood, and what the FIFO held.
 */
int mxrt_acq_status_seen(struct mxrt_acq *acq, mxrt_u8 status1) MXRT_NOEXCEPT;
/*
 * mxrt_acq_mode_seen: MODE_CONFIG as read when a reset may have gone unseen
 * (mxrt_irq_health_check_chip: its PWR_RDY was read by someone else, or the read failed
 * part-way). Anything but what @c (the configuration applied) writes there, SHDN clear, is a
 * chip that was reset: as for mxrt_acq_status_seen (STALE, counted, 1). 0 otherwise, and while
 * the chip is not sampling.
 */
int mxrt_acq_mode_seen(struct mxrt_acq *acq, const struct mxrt_max30102_config *c,
		       mxrt_u8 mode_config) MXRT_NOEXCEPT;

/* What an acquisition does first (mxrt_acq_begin). */
enum mxrt_acq_step {
	MXRT_ACQ_SKIP = 0,  /* the chip is off: nothing to read */
	MXRT_ACQ_READ = 1,  /* read status, pointers and the FIFO */
	MXRT_ACQ_APPLY = 2, /* the chip is stale: apply the configuration, then read */
};
enum mxrt_acq_step mxrt_acq_begin(const struct mxrt_acq *acq) MXRT_NOEXCEPT;

/*
 * FIFO_WR_PTR, OVF_COUNTER and FIFO_RD_PTR as one transfer read them. The chip latched them at
 * some time between @start_ts, taken before the transfer, and @end_ts, taken after it returned:
 * the thread can be held off on either side of the latch (waiting for the bus; woken late after
 * it), so neither time alone says when.
 */
struct mxrt_acq_ptrs {
	mxrt_u64 start_ts, end_ts;
	mxrt_u8 wr, ovf, rd;
};
/*
 * Samples to read, from INT_STATUS1 and FIFO_WR_PTR, OVF_COUNTER, FIFO_RD_PTR (read in that order,
 * in one go: @read; its times 0: not known): WR == RD is a full FIFO when samples
 * overflowed, A_FULL fired at 32 unread, A_FULL (a lower threshold) is set and the chip took 16
 * or more samples since the last one read (from last_ts, or start_ts after a restart) by the
 * time, or, in the drain after a shutdown (mxrt_acq_stopping: the shutdown cleared A_FULL), when
 * the RUNNING chip took 16 to 47 samples since: then it holds 32, not 0 (more than 47 periods
 * without an overflow: the chip was not sampling). After a FIFO data read whose pops are not
 * known (pops_unknown) or whose records were stamped early (rolled_pending), in those two cases
 * full only once a sample came for certain after empty_ref_ts (by the pointer read's start, or
 * the shutdown's): a FIFO taken for empty loses nothing unsaid (it overflows and is counted, or
 * the drain counts it, mxrt_acq_found_empty), one taken for full would make up 32 records.
 */
mxrt_u32 mxrt_acq_unread(const struct mxrt_acq *acq, mxrt_u8 status1,
			 const struct mxrt_acq_ptrs *read) MXRT_NOEXCEPT;
/*
 * The FIFO data read of a burst of @n, its pointers read by @read, failed at @end_ts: it may have
 * popped any number of them (a bus timeout mid-transfer), and the next burst counts what it did
 * from FIFO_RD_PTR (lost_unseen). Until then the FIFO is told empty or full as after such pops.
 */
void mxrt_acq_read_failed(struct mxrt_acq *acq, mxrt_u32 n, const struct mxrt_acq_ptrs *read,
			  mxrt_u64 end_ts) MXRT_NOEXCEPT;

/* Bytes one sample takes in the FIFO for the current configuration. */
mxrt_u32 mxrt_acq_sample_bytes(const struct mxrt_acq *acq) MXRT_NOEXCEPT;

/*
 * The FIFO can roll over after its pointers were read: the thread held off before the FIFO data
 * read (preempted, the adapter busy with another device, a slow bus) for longer than the free
 * space lasts. Each sample taken then overwrites the oldest unread one, which moves FIFO_RD_PTR
 * (the FIFO stays at 32) and counts in OVF_COUNTER, but popping the burst's first sample clears
 * the counter (DS p.13): those losses and the shift of every sample read would go unsaid.
 *
 * mxrt_acq_roll_possible: whether a burst of n, its pointers read after @look_ts (taken before
 * the status read) and its data read by @done_ts, may have rolled over: the chip may have taken
 * more samples meanwhile than the 32 - n places free (with its clock up to 1/16 fast). Always
 * with n of 31 or 32; never for the drain after a shutdown (nothing is sampled). Then the glue
 * reads FIFO_WR_PTR, OVF_COUNTER and FIFO_RD_PTR again (one more transfer, only then) and
 * mxrt_acq_rolled says how many samples rolled over before the burst's last pop (@read: the
 * pointers as read before the burst, @again: as read again). Those rolled over after the last pop
 * are in OVF_COUNTER, left for the next burst; at 31 it cannot tell how many: the whole is split
 * as if 31 came after the last pop, and the next burst (its FIFO_RD_PTR reference follows the
 * split) counts the rest, so the total stays exact. FIFO_RD_PTR gives the count modulo 32; the
 * samples taken between the two reads (by the time) less those the FIFO holds now say how many
 * times it wrapped. The count goes to mxrt_acq_burst, which puts it before the burst's first
 * record. (Samples that roll over during the data read itself, when the bus pops slower than the
 * chip samples, are counted there too, a few records early.)
 */
int mxrt_acq_roll_possible(const struct mxrt_acq *acq, mxrt_u32 n, mxrt_u64 look_ts,
			   mxrt_u64 done_ts) MXRT_NOEXCEPT;
/*
 * Whether the pointer read @read took so long (a quarter of a FIFO of periods: waiting for the
 * bus, or woken late after it) that the times it gives are too loose for the counts that rest on
 * them (mxrt_acq_rolled; OVF_COUNTER saturated at 31, mxrt_acq_burst): then counted in
 * reads_again, and the glue reads the pointers again, before the FIFO data read (nothing is popped
 * yet), a few times at most.
 */
int mxrt_acq_read_again(struct mxrt_acq *acq, const struct mxrt_acq_ptrs *read) MXRT_NOEXCEPT;
/*
 * *@sure: 1 when one count fits the times of the two reads. 0 (counted in looks_unsure) when
 * several do (a transfer took about a FIFO of periods or more: the thread waited that long for
 * the bus, or was woken that late), or when equal pointers may say empty or full (32 samples
 * could have come since the first read), and the count nearest the time between the two reads'
 * ends was taken. The glue then reads the pointers again (three looks in all at most): the
 * samples rolled over before the last pop are the same, the times of a quick read fit one count,
 * and a sample come meanwhile tells a full FIFO (it rolls over) from an empty one. When the last
 * look is still unsure the glue passes MXRT_ACQ_ROLLED_UNSURE to mxrt_acq_burst: the next
 * burst counts them from FIFO_RD_PTR and the times, as after a failed look.
 */
mxrt_u32 mxrt_acq_rolled(struct mxrt_acq *acq, mxrt_u32 n, const struct mxrt_acq_ptrs *read,
			 const struct mxrt_acq_ptrs *again, int *sure) MXRT_NOEXCEPT;

/*
 * The timestamp that anchors the sample clock for a burst of n samples. With an interrupt
 * timestamp and A_FULL in @status1, the sample that reached the threshold was taken at @irq_ts
 * (is_irq: that record is flagged MXRT_MAX30102_REC_IRQ); @ovf samples lost since (OVF_COUNTER's
 * count) and @rolled more since the pointers were read (mxrt_acq_rolled) moved it that many
 * places towards the oldest, as the FIFO rolls over. Otherwise (polling,
 * the watchdog, a status without A_FULL, that sample pushed out, @ovf saturated at 31, an
 * interrupt from before the last burst's read or the restart, or an interrupt time that would put
 * the newest sample after @read_ts) the newest sample was taken at @read_ts, when the pointers
 * were read, or @rolled periods after it.
 */
struct mxrt_acq_anchor {
	mxrt_u64 ts;
	mxrt_u32 index; /* into the burst, oldest first */
	mxrt_u32 is_irq;
};
struct mxrt_acq_anchor mxrt_acq_choose_anchor(const struct mxrt_acq *acq, mxrt_u32 n, mxrt_u8 status1,
				       mxrt_u32 ovf, mxrt_u32 rolled, mxrt_u64 irq_ts,
				       mxrt_u64 read_ts) MXRT_NOEXCEPT;

/*
 * Decodes n samples from buf (n * sample_bytes), oldest first, into out[n]: numbers them, stamps
 * them on the sample clock, accounts for overflow. @ovf: OVF_COUNTER as read with the pointers
 * (beyond its saturation at 31 the gap is estimated from the time that passed); @rolled: lost
 * after the pointer read (mxrt_acq_rolled), counted with them. @anchor_ts: a
 * timestamp at which sample @anchor (an index into this burst) had just been taken;
 * @anchor_is_irq: flag that sample MXRT_MAX30102_REC_IRQ.
 */
void mxrt_acq_decode(struct mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u32 ovf,
		     mxrt_u32 rolled, mxrt_u32 anchor, mxrt_u64 anchor_ts, int anchor_is_irq,
		     struct mxrt_max30102_record *out) MXRT_NOEXCEPT;
/*
 * A burst as the driver reads it: mxrt_acq_decode at mxrt_acq_choose_anchor of the same arguments,
 * OVF_COUNTER and FIFO_RD_PTR as @read read them (read_ts: its end_ts), @rolled from
 * mxrt_acq_rolled (0 without a look; MXRT_ACQ_ROLLED_UNKNOWN: the look failed;
 * MXRT_ACQ_ROLLED_UNSURE: the looks could not tell, taken as a failed look's but not counted in
 * look_errors). Where a count
 * rests on the time (OVF_COUNTER saturated, a failed look's roll-overs), the samples the chip took
 * between the two bursts' pointer reads (each between its start and end, and in a drain by the
 * shutdown) decide when one count fits; otherwise, or without the start times (0), the time from
 * the last record to this burst's anchor. Since the last burst's last pop only roll-overs and
 * the pops of a FIFO read that failed part-way move FIFO_RD_PTR: its move is the samples lost
 * before this burst, modulo 32. Below OVF_COUNTER's 31 what it moved beyond the counter is lost
 * too (lost_unseen); at 31 the time between the bursts only says how many FIFOs more (a FIFO
 * read that failed part-way on a real bus is found so at the next burst). After a failed look
 * (look_errors) the roll-overs it would have counted are in that move too: the next burst counts
 * them (late_rollovers, not lost_unseen; within its pointer-and-time count when OVF_COUNTER is
 * saturated), the times, less what that burst counts otherwise, picking how many FIFOs (not in a
 * drain whose shutdown's time is not known); this burst is stamped that many periods early, its
 * records' lost short by them. @popped_ts: taken after the FIFO data read returned (0: not
 * known), so the burst's last pop came before it.
 */
#define MXRT_ACQ_ROLLED_UNKNOWN 0xffffffffu
#define MXRT_ACQ_ROLLED_UNSURE 0xfffffffeu
void mxrt_acq_burst(struct mxrt_acq *acq, const mxrt_u8 *buf, mxrt_u32 n, mxrt_u8 status1,
		    const struct mxrt_acq_ptrs *read, mxrt_u32 rolled, mxrt_u64 irq_ts, mxrt_u64 popped_ts,
		    struct mxrt_max30102_record *out) MXRT_NOEXCEPT;
/*
 * @read found nothing to read (mxrt_acq_unread said 0). In the drain after a shutdown, the
 * configuration or shutdown after it clears FIFO_RD_PTR, the only record of what moved it since
 * the last burst: roll-overs left pending after that burst (a look that failed or could not tell)
 * and the pops of a FIFO data read that failed part-way. They are counted here as the next burst
 * would have (roll-overs: late_rollovers, whole FIFOs by the times of the two pointer reads,
 * lost_estimated when the time picked some; pops: lost_unseen), in lost and fifo_overflows, and
 * the next record, the restart's, reports them in its lost (carried_lost). Elsewhere the next
 * burst counts them.
 */
void mxrt_acq_found_empty(struct mxrt_acq *acq, const struct mxrt_acq_ptrs *read) MXRT_NOEXCEPT;


/* ---- the interrupt's health: stuck and lost interrupts ---------------------------------------- */

#define MXRT_IRQ_STUCK_RUN 1000       /* interrupts in a row without a status bit: the line is stuck */
#define MXRT_IRQ_STUCK_BACKOFF_MS 1000 /* then the IRQ is off and the thread polls this long */

/*
 * Shared by the interrupt thread, the poll thread and the lost-interrupt watchdog's recovery; no
 * lock. unhandled_run is the interrupt thread's alone. off/off_until: the interrupt thread sets
 * them (release on off), the poll thread reads (acquire) and clears them. last_look_ns: stored by
 * whichever thread read the FIFO pointers (under the device lock), read by the poll thread.
 * overdue: set by the lost-interrupt watchdog's recovery, taken by the poll thread (relaxed: a
 * flag that publishes nothing; the wake-up orders it). Every counter has one writer and is read with READ_ONCE (relaxed atomics here).
 *
 * Lost interrupts: with an IRQ, every acquisition that read the FIFO pointers kicks a watchdog
 * (mxrt_wd_kick_at, the pointers' read time) whose timeout is the window (acq->watchdog_ms). When
 * it expires, its recovery (mxrt_irq_health_expired: no lock, no I2C) wakes the thread, which
 * reads the FIFO if nothing was acquired for the window meanwhile. So the thread sleeps until
 * woken while interrupts come, instead of looking four times per window.
 */
struct mxrt_irq_health {
	mxrt_u32 unhandled_run;
	mxrt_u32 off; /* the line was disabled as stuck; the thread polls */
	mxrt_u64 off_until;
	mxrt_u64 last_look_ns;
	mxrt_u32 overdue; /* the lost-interrupt watchdog expired: the thread looks */
	mxrt_u64 overdue_gap_ns; /* the thread's: time since the last look when it decided to look */
	mxrt_u64 irqs, spurious, stuck, polls, missed, expiries;
	/* of the last and of the longest missed interrupt: time from the last acquisition to the
	 * read that found the samples (the window plus how late the check came) */
	mxrt_u64 missed_gap_ns, missed_gap_max_ns;
};

/* The interrupts the driver enables (INT_ENABLE1 with an IRQ, see mxrt_max30102_config_writes). */
#define MXRT_ACQ_INTERRUPTS MAX30102_INT_A_FULL

enum mxrt_irq_verdict {
	MXRT_IRQ_VERDICT_HANDLED = 0, /* return IRQ_HANDLED */
	MXRT_IRQ_VERDICT_NONE = 1,    /* return IRQ_NONE: not the chip's */
	MXRT_IRQ_VERDICT_DISABLE = 2, /* stuck: disable_irq_nosync, wake the thread, return IRQ_NONE */
};
/*
 * Interrupt thread, after its acquisition: @status = INT_STATUS1 as read (0 if it could not be
 * read), @n = samples acquired or a negative errno. A status bit of an interrupt the driver enables
 * (MXRT_ACQ_INTERRUPTS) or PWR_RDY (which cannot be masked: a power-on reset, acted upon by
 * mxrt_acq_status_seen) means the chip asked; the others (PPG_RDY, set at every sample whether
 * enabled or not; ALC_OVF) do not. No such bit (whatever samples were found on the way) or a
 * failed read counts towards the stuck run: a
 * line that keeps firing (stuck, or level-triggered on a bus that fails every transfer) is turned
 * off for MXRT_IRQ_STUCK_BACKOFF_MS after MXRT_IRQ_STUCK_RUN of them in a row.
 */
enum mxrt_irq_verdict mxrt_irq_health_irq(struct mxrt_irq_health *h, mxrt_u8 status, int n,
					  mxrt_u64 now) MXRT_NOEXCEPT;
/*
 * An acquisition read the FIFO pointers at @now (device lock held). The glue kicks the
 * lost-interrupt watchdog with the same time.
 */
void mxrt_irq_health_looked(struct mxrt_irq_health *h, mxrt_u64 now) MXRT_NOEXCEPT;
/* The lost-interrupt watchdog's recovery (the mxrt_wd thread; no lock): the thread is to look. */
void mxrt_irq_health_expired(struct mxrt_irq_health *h) MXRT_NOEXCEPT;

struct mxrt_bus_health;

/* What the poll thread does when it wakes up (bits). */
#define MXRT_THREAD_ACQUIRE 0x1    /* read the FIFO */
#define MXRT_THREAD_WATCHDOG 0x2   /* ... because interrupts stopped coming: tell _thread_done */
#define MXRT_THREAD_ENABLE_IRQ 0x4 /* after reading: the stuck back-off is over, enable_irq() */
/* How long the thread sleeps before it looks again: poll_ms while polling (no IRQ, or off);
 * 0 with a working IRQ: until woken (by the lost-interrupt watchdog, a stuck bus's recovery,
 * a configuration change). */
mxrt_u32 mxrt_irq_health_sleep_ms(const struct mxrt_irq_health *h, const struct mxrt_acq *acq,
				  int has_irq) MXRT_NOEXCEPT;
/*
 * What to do at @now (MXRT_THREAD_* bits, 0: nothing). Polling: always acquire (and ENABLE_IRQ
 * once the stuck back-off is over, clearing off). With an IRQ: acquire when the lost-interrupt
 * watchdog expired and nothing was acquired for the window since (WATCHDOG), when a stuck bus was
 * recovered and the chip waits to be re-initialised (@bus), or when the chip is STALE (a write
 * failed: the configuration is written again; an unconfigured chip raises no interrupt).
 */
mxrt_u32 mxrt_irq_health_thread(struct mxrt_irq_health *h, const struct mxrt_bus_health *bus,
				const struct mxrt_acq *acq, int has_irq, mxrt_u64 now) MXRT_NOEXCEPT;
/* After the thread's acquisition found @n samples (or an errno): counts a lost interrupt. */
void mxrt_irq_health_thread_done(struct mxrt_irq_health *h, mxrt_u32 actions, int n) MXRT_NOEXCEPT;
/*
 * After the thread's acquisition (device lock still held): 1 if the glue is to read MODE_CONFIG
 * and give it to mxrt_acq_mode_seen. Only when the lost-interrupt watchdog's look (WATCHDOG in
 * @actions) found nothing (@n == 0) in a chip that should be sampling (RUNNING): after a whole
 * window a sampling chip has samples, so one that has none may have been reset with its PWR_RDY
 * unseen (if that acquisition saw PWR_RDY and configured the chip again, the read just finds the
 * configuration). One register read per expiry at most, never on the interrupt path.
 */
int mxrt_irq_health_check_chip(const struct mxrt_acq *acq, mxrt_u32 actions, int n) MXRT_NOEXCEPT;

/* ---- the bus: a stuck I2C sequence ---------------------------------------------------------- */

/*
 * Every I2C sequence under the device lock (an acquisition: status, pointers and FIFO burst; a
 * configuration; a shutdown; a temperature step) is guarded by a watchdog (mxrt_watchdog) armed
 * before it and cancelled after it, with a budget of bus_timeout_ms (module parameter). When a
 * sequence overruns it (a transfer hangs on a stuck bus), the watchdog's recovery runs in the
 * mxrt_wd thread while the stuck sequence still holds the device lock, and inside the transfer
 * the adapter's bus lock: it takes neither and does no I2C of its own. It asks the core what to do
 * (mxrt_bus_stuck), runs the adapter's bus recovery if it has one (which ends a hung transfer: the
 * sequence fails and releases the lock), reports the outcome (mxrt_bus_recovered) and wakes the
 * poll thread. The next acquisition re-initialises the chip (mxrt_bus_take_reinit: the chip is
 * STALE, so the whole configuration is written again after the FIFO was read out).
 */
#define MXRT_BUS_TIMEOUT_MS_DEFAULT 200
#define MXRT_BUS_TIMEOUT_MS_MIN 50 /* the longest sequence (a configuration at 100 kHz) takes ~25 ms */
#define MXRT_BUS_TIMEOUT_MS_MAX 60000
int mxrt_bus_check_timeout(mxrt_u32 ms) MXRT_NOEXCEPT; /* 0, or -MXRT_EINVAL */

/*
 * The runtime-PM autosuspend delay (module parameter autosuspend_ms): the PM core takes an int,
 * and a negative one means "never suspend" (so the chip would not be shut down at unbind either):
 * a value of 2^31 or more must not reach it. Up to an hour; 0: at once.
 */
#define MXRT_AUTOSUSPEND_MS_MAX 3600000
int mxrt_pm_check_autosuspend(mxrt_u32 ms) MXRT_NOEXCEPT; /* 0, or -MXRT_EINVAL */

/*
 * reinit: set by the recovery (release), taken under the device lock (acquire). The counters
 * other than reinits are the recovery's (one writer: the mxrt_wd thread runs one recovery at a
 * time); reinits is written under the device lock. All are read with READ_ONCE (no lock).
 */
struct mxrt_bus_health {
	mxrt_u32 reinit;
	mxrt_u64 stuck;           /* sequences that overran their budget */
	mxrt_u64 expiries;        /* watchdog expiries (a sequence still stuck repeats every budget) */
	mxrt_u64 recoveries;      /* the adapter's bus recovery ran and succeeded */
	mxrt_u64 recovery_errors; /* ... ran and failed */
	mxrt_u64 no_recovery;     /* expiries on an adapter without a bus recovery */
	mxrt_u64 reinits;         /* chip re-initialisations after a stuck sequence */
};

/* What the bus watchdog's recovery does (bits). */
#define MXRT_BUS_FIRST 0x1   /* the sequence's first expiry: log it */
#define MXRT_BUS_RECOVER 0x2 /* run the adapter's bus recovery (i2c_recover_bus) */
/*
 * The recovery, at the @count-th expiry of one guarded sequence (struct mxrt_wd_expiry's count;
 * 1 for the first): whether the adapter's bus recovery runs (@adapter_can_recover: the root
 * adapter has a bus_recovery_info) at every expiry while the sequence is stuck. Counts.
 */
mxrt_u32 mxrt_bus_stuck(struct mxrt_bus_health *b, mxrt_u32 count, int adapter_can_recover) MXRT_NOEXCEPT;
/* After the steps: @err from the bus recovery (if it ran). The chip is to be re-initialised. */
void mxrt_bus_recovered(struct mxrt_bus_health *b, mxrt_u32 steps, int err) MXRT_NOEXCEPT;
/* Whether a re-initialisation is waiting (any thread, no lock). */
int mxrt_bus_reinit_pending(const struct mxrt_bus_health *b) MXRT_NOEXCEPT;
/*
 * Device lock held, before an acquisition: takes a waiting re-initialisation. Returns 1 if there
 * was one: a chip that is not OFF becomes STALE (the acquisition writes the whole configuration,
 * after reading out the FIFO, and the next record is flagged RESTART); an OFF chip is configured
 * at its resume anyway.
 */
int mxrt_bus_take_reinit(struct mxrt_bus_health *b, struct mxrt_acq *acq) MXRT_NOEXCEPT;

/* ---- priority boost -------------------------------------------------------------------------- */

/* Module parameters: 0, or -MXRT_EINVAL for a value that would not work. */
#define MXRT_BOOST_THRESHOLD_MIN 2  /* below, the backlog never halves under it: never lowered */
#define MXRT_BOOST_THRESHOLD_MAX 32 /* the FIFO depth: 32 never boosts */
int mxrt_boost_check_threshold(mxrt_u32 v) MXRT_NOEXCEPT;
/*
 * The acquisition threads' own SCHED_FIFO priority (sched_set_fifo: MAX_RT_PRIO / 2, as IRQ
 * threads): a boost to it or below would change nothing.
 */
#define MXRT_ACQ_THREAD_PRIO 50
int mxrt_boost_check_prio(mxrt_u32 v) MXRT_NOEXCEPT; /* SCHED_FIFO 51..99 */

/*
 * A burst larger than the threshold raises the acquiring thread to SCHED_FIFO prio; the thread that
 * was raised goes back to its old priority once a burst's excess over @expected (what a prompt
 * read finds: fifo_almost_full when the interrupt drives the reads, a poll period's samples when
 * the thread polls) is at most half the threshold's. Under the device lock. @task identifies the
 * calling thread (an opaque pointer, never dereferenced).
 */
struct mxrt_boost {
	mxrt_u32 boosted;
	mxrt_u32 saved_prio; /* 0: SCHED_NORMAL */
	const void *task;
	mxrt_u64 boosts;
};
enum mxrt_boost_action { MXRT_BOOST_NONE = 0, MXRT_BOOST_RAISE = 1, MXRT_BOOST_LOWER = 2 };
struct mxrt_boost_step {
	mxrt_u32 action;     /* enum mxrt_boost_action */
	mxrt_u32 fifo;       /* the policy to set: SCHED_FIFO (1) or SCHED_NORMAL (0) */
	mxrt_u32 prio;       /* its priority */
	mxrt_u32 saved_prio; /* RAISE: the task's priority now, to go back to */
};
struct mxrt_boost_step mxrt_boost_decide(const struct mxrt_boost *b, mxrt_u32 backlog,
					 mxrt_u32 threshold, mxrt_u32 expected, mxrt_u32 prio,
					 const void *task, mxrt_u32 task_rt_prio) MXRT_NOEXCEPT;
/* The glue did the step (sched_setattr returned @err). */
void mxrt_boost_done(struct mxrt_boost *b, const struct mxrt_boost_step *step, const void *task,
		     int err) MXRT_NOEXCEPT;
/* @task exits: forget it was boosted. */
void mxrt_boost_forget(struct mxrt_boost *b, const void *task) MXRT_NOEXCEPT;

/* ---- power management ------------------------------------------------------------------------ */

enum mxrt_pm_kind { MXRT_PM_RUNTIME = 0, MXRT_PM_SYSTEM = 1 };
/*
 * A suspend wrote the shutdown (and drained the FIFO) with result @err. Success: the chip is OFF,
 * returns 0. A bus error: a runtime suspend returns -MXRT_EAGAIN (the PM core keeps the device
 * active without latching an error and tries again at the next autosuspend expiry: the caller
 * marks it busy first); a system suspend is not held up by a sensor: the chip is taken as OFF
 * (resume writes everything again, after reading out what the FIFO still holds: the samples are
 * the sensor's, and the configuration clears the FIFO) and 0 returned.
 */
int mxrt_acq_suspended(struct mxrt_acq *acq, enum mxrt_pm_kind kind, int err) MXRT_NOEXCEPT;
/*
 * A resume applied the configuration with result @err (mxrt_acq_applied already recorded it).
 * Returns what the PM core hears: always 0, since a failed resume would stick (runtime_status
 * "error", every later open refused) while a STALE chip is configured again by the acquisition
 * path as soon as the bus answers.
 */
int mxrt_acq_resumed(struct mxrt_acq *acq, int err) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_ACQ_H */
