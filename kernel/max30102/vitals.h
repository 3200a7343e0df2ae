/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (the driver's acquisition path, or a per-device thread; implemented by
 * kernel/max30102/vitals.cpp) and user space (tests, mxrt-vitals-eval, the benchmark).
 *
 * Heart rate and SpO2 from the driver's records, streaming and in fixed point: a record in,
 * O(1) work, nothing allocated, memory fixed per device (struct mxrt_vitals, which the caller
 * owns: embed it in the device struct). The algorithm, its constants and its accuracy are in
 * docs/vitals.md.
 *
 * Contexts: every function may be called from any context (hard IRQ included: no sleeping, no
 * locks, no allocation). One struct mxrt_vitals is used by one thread at a time: the caller
 * serialises push, reset and get on the same struct (the driver's acquisition lock); different
 * structs share nothing.
 *
 * Example (a driver's burst path, under its acquisition lock):
 *
 *	mxrt_acq_decode(&d->acq, buf, n, ovf, anchor, ts, 1, recs);
 *	changed = mxrt_vitals_push_n(&d->vitals, recs, n, d->acq.period_ns);
 *	if (changed > 0) {
 *		struct mxrt_vitals_out out;
 *		mxrt_vitals_get(&d->vitals, &out);
 *		... report out (input events, the latest-vitals snapshot) ...
 *	}
 */
#ifndef MXRT_MAX30102_VITALS_H
#define MXRT_MAX30102_VITALS_H

#include <lib/abi.h>
#include <mxrt/max30102.h>

MXRT_EXTERN_C_BEGIN

/*
 * Calibration and finger thresholds. SpO2 = a - b * R (R = ratio of ratios), clamped to 100 %.
 * The defaults (mxrt_vitals_config_default: a = 110 %, b = 31.7 %) are a line through 110 %
 * fitted to the OxiWear recordings (docs/vitals.md, "Calibration"); a sensor with other LEDs or
 * optics needs its own a and b. The simulator's finger follows the same line (sim_core.cpp).
 */
#define MXRT_VITALS_SPO2_A_MILLI 110000 /* the default calibration line's a, 1/1000 % */
#define MXRT_VITALS_SPO2_B_MILLI 31700	/* ... and its b */
/* Values expire this long after the last beat that confirmed them (in the records' time); a driver
 * withdraws them after as long without records at all (no record, no time in the estimator). */
#define MXRT_VITALS_STALE_MS 3000
struct mxrt_vitals_config {
	mxrt_s32 spo2_a_milli;	    /* SpO2 at R = 0, in 1/1000 %: 50000..200000 */
	mxrt_s32 spo2_b_milli;	    /* SpO2 lost per unit of R, in 1/1000 %: 1..100000 */
	mxrt_u32 finger_on_level;   /* IR level (18-bit codes) at or above which a finger is on */
	mxrt_u32 finger_off_level;  /* IR level below which it is off (< finger_on_level) */
};

/* The estimator's state: opaque, MXRT_VITALS_STATE_BYTES, 8-byte aligned, owned by the caller. */
#define MXRT_VITALS_STATE_BYTES 1536
struct mxrt_vitals {
	mxrt_u64 opaque[MXRT_VITALS_STATE_BYTES / 8];
};

/* mxrt_vitals_out.flags */
#define MXRT_VITALS_HR_VALID 0x0001	/* hr_mbpm is a measurement */
#define MXRT_VITALS_SPO2_VALID 0x0002	/* spo2_mpct is a measurement */
#define MXRT_VITALS_FINGER_VALID 0x0004 /* enough samples to say whether a finger is there */
#define MXRT_VITALS_FINGER 0x0008	/* a finger is on the sensor (with FINGER_VALID) */
#define MXRT_VITALS_MOTION 0x0010	/* motion or a step in the signal: beats are not trusted now */
#define MXRT_VITALS_CLIPPING 0x0020	/* a channel is at the ADC's full scale */
#define MXRT_VITALS_LOW_RATE 0x0040	/* output rate below 12.5 Hz: no HR or SpO2 at this rate */

struct mxrt_vitals_out {
	mxrt_u64 timestamp_ns; /* the record at which these values were last evaluated (at a beat)
				* or changed: its timestamp_ns */
	mxrt_u64 seq;	       /* ... and its seq */
	mxrt_u32 hr_mbpm;      /* heart rate in 1/1000 beats per minute (0 unless HR_VALID) */
	mxrt_u32 spo2_mpct;    /* SpO2 in 1/1000 % (0 unless SPO2_VALID), at most 100000 */
	mxrt_u32 confidence;   /* 0..100: how much the values can be trusted (0 if none is valid) */
	mxrt_u32 flags;	       /* MXRT_VITALS_* */
};

/* What mxrt_vitals_push reports as changed (a bit mask, >= 0). */
#define MXRT_VITALS_CHANGED_HR 0x1     /* hr_mbpm or HR_VALID */
#define MXRT_VITALS_CHANGED_SPO2 0x2   /* spo2_mpct or SPO2_VALID */
#define MXRT_VITALS_CHANGED_FINGER 0x4 /* FINGER or FINGER_VALID */
#define MXRT_VITALS_CHANGED_OTHER 0x8  /* confidence, MOTION, CLIPPING or LOW_RATE */

void mxrt_vitals_config_default(struct mxrt_vitals_config *c) MXRT_NOEXCEPT;

/*
 * The finger thresholds for a chip configuration: the IR level a finger gives grows with the LED
 * current and shrinks with the ADC range, so fixed codes would take a finger lit at a low current
 * for none (or air at a high current and a small range for a finger). The thresholds are
 * photocurrents per LED current: on at MXRT_VITALS_FINGER_ON_NA_PER_MA, off below half of it
 * (a fingertip returns about 300 nA per mA of IR, no finger about 6: docs/vitals.md), converted
 * to 18-bit codes for @led_ua (the pulse channel's LED: IR, red in HR mode) and @adc_range_na,
 * and kept within [MXRT_VITALS_FINGER_MIN_CODES, 2^17] so that ADC noise never reads as a finger
 * and a threshold stays below full scale. At 6.4 mA and the 4096 nA range this gives the
 * defaults (16384 and 8192). Leaves the calibration alone.
 */
#define MXRT_VITALS_FINGER_ON_NA_PER_MA 40
#define MXRT_VITALS_FINGER_MIN_CODES 64
void mxrt_vitals_config_finger(struct mxrt_vitals_config *c, mxrt_u32 led_ua,
			       mxrt_u32 adc_range_na) MXRT_NOEXCEPT;

/*
 * The driver's step: the pulse channel and the finger thresholds for this chip configuration
 * (mode, LED currents, ADC range; mxrt_vitals_config_finger) with v's calibration. The pulse
 * channel is red in HR mode or with the IR LED off, IR with the red LED off (one channel: no
 * SpO2, the confidence from the intervals alone), both otherwise; the thresholds are its LED's.
 * Without this step (the evaluator on records alone) a record with IR 0 means red alone. If
 * either differs from v's, v starts over with them (as after init; a configuration change
 * restarts the record stream anyway). Returns 1 if v changed, 0 if not.
 */
struct mxrt_max30102_config;
int mxrt_vitals_set_sensor(struct mxrt_vitals *v, const struct mxrt_max30102_config *chip) MXRT_NOEXCEPT;

/* v's configuration (calibration and finger thresholds), for debugging and the evaluator. */
void mxrt_vitals_get_config(const struct mxrt_vitals *v, struct mxrt_vitals_config *c) MXRT_NOEXCEPT;
/* 0, or -MXRT_EINVAL if a field is out of its range. */
int mxrt_vitals_config_validate(const struct mxrt_vitals_config *c) MXRT_NOEXCEPT;

/*
 * Sets v up with configuration c: nothing valid, no finger known. 0, or -MXRT_EINVAL for a bad
 * configuration (v is then left as it was). The sample period and ADC resolution come with the
 * records; the first record (or a change of either) starts the estimator over.
 */
int mxrt_vitals_init(struct mxrt_vitals *v, const struct mxrt_vitals_config *c) MXRT_NOEXCEPT;

/* Forgets everything measured (keeps the configuration): as after init. */
void mxrt_vitals_reset(struct mxrt_vitals *v) MXRT_NOEXCEPT;

/*
 * Feeds one record, taken period_ns after the previous one (the configured sample period: what
 * mxrt_acq.period_ns holds). Records must come in seq order; a seq gap (lost samples, flagged or
 * not) is bridged when it is short (at most 100 ms: the filters see the last sample held) and
 * starts the estimator over when longer; MXRT_MAX30102_REC_RESTART, a new period or a new
 * adc_bits start it over too.
 * In HR mode (IR 0 in every record) the red channel carries the pulse: HR, no SpO2.
 * Returns the MXRT_VITALS_CHANGED_* mask (0: no value or flag changed; the timestamp and seq of
 * mxrt_vitals_out also move at every beat, which is not reported as a change), or
 * -MXRT_EINVAL for a record that cannot be a sample (seq not after the previous one, adc_bits
 * outside 15..18, a value wider than adc_bits, period_ns outside 312500..1000000000 ns):
 * such a record changes nothing.
 */
int mxrt_vitals_push(struct mxrt_vitals *v, const struct mxrt_max30102_record *rec,
		     mxrt_u64 period_ns) MXRT_NOEXCEPT;

/* mxrt_vitals_push for n records in order; returns the union of the masks, or the first error
 * (the records before it are taken, the ones after it are not). */
int mxrt_vitals_push_n(struct mxrt_vitals *v, const struct mxrt_max30102_record *rec, mxrt_u32 n,
		       mxrt_u64 period_ns) MXRT_NOEXCEPT;

/* The current values. */
void mxrt_vitals_get(const struct mxrt_vitals *v, struct mxrt_vitals_out *out) MXRT_NOEXCEPT;

/*
 * The latest values, for readers that must not wait for the acquisition path (sysfs, an ioctl):
 * one writer (the caller serialises it: the driver's acquisition lock) publishes a copy of
 * mxrt_vitals_out; any number of readers copy it out without a lock and retry while a write is
 * in progress (the project's seqlock, kernel/lib/kstd/seqlock.hpp). A reader never blocks the
 * writer. The write section is a 40-byte copy; a reader spins only while the writer is inside it,
 * so the writer must not be preempted there (the driver disables preemption around
 * mxrt_vitals_snapshot_publish/_clear) and a reader must not interrupt the writer on its own CPU:
 * no reader in hard IRQ, NMI or softirq context (without PREEMPT_RT a softirq runs at the end of a
 * hard IRQ even inside preempt_disable(), and would spin on top of the writer it waits for).
 *
 *	writer (acquisition lock held)           reader (process context, any lock or none)
 *	  preempt_disable();                       struct mxrt_vitals_out v;
 *	  mxrt_vitals_snapshot_publish(s, &out);   if (mxrt_vitals_snapshot_read(s, &v)) ...
 *	  preempt_enable();
 */
struct mxrt_vitals_snapshot {
	mxrt_u64 seq;		    /* the sequence count: odd while a write is in progress */
	mxrt_u64 present;	    /* 1: out holds published values; 0: none since the last clear */
	struct mxrt_vitals_out out; /* the values as mxrt_vitals_get gave them */
};

/* Nothing published (a zeroed struct is the same). Before any reader or writer runs. */
void mxrt_vitals_snapshot_init(struct mxrt_vitals_snapshot *s) MXRT_NOEXCEPT;

/*
 * Writer: whether *out differs from what s holds (the writer reads its own data without the
 * protocol: it is the only one that changes it). The driver publishes only then: once per change
 * or evaluated beat, not per burst.
 */
int mxrt_vitals_snapshot_differs(const struct mxrt_vitals_snapshot *s,
				 const struct mxrt_vitals_out *out) MXRT_NOEXCEPT;
/* Writer: publishes *out. */
void mxrt_vitals_snapshot_publish(struct mxrt_vitals_snapshot *s,
				  const struct mxrt_vitals_out *out) MXRT_NOEXCEPT;
/* Writer: nothing published any more (vitals switched off or restarted). */
void mxrt_vitals_snapshot_clear(struct mxrt_vitals_snapshot *s) MXRT_NOEXCEPT;

/*
 * Reader: copies the latest published values into *out and returns 1, or returns 0 (and zeroes
 * *out) while nothing is published. Any number of readers, no lock; see above for the contexts.
 * A published value carries its own validity in out->flags (after finger-off, say, no HR or SpO2
 * is valid, and that is what is published).
 */
int mxrt_vitals_snapshot_read(const struct mxrt_vitals_snapshot *s,
			      struct mxrt_vitals_out *out) MXRT_NOEXCEPT;

/*
 * One value of a published output for a reader (sysfs): the value in its unit (HR: 1/1000 bpm,
 * SPO2: 1/1000 %, CONFIDENCE: 0..100, FINGER: 1 present, 0 absent) and 0, or -MXRT_ENODATA when
 * there is none: nothing published (@present 0), or the value is not valid (HR, SPO2: no valid
 * measurement; FINGER: not enough samples yet to tell). CONFIDENCE is 0 without a valid HR.
 */
enum mxrt_vitals_field {
	MXRT_VITALS_FIELD_HR,
	MXRT_VITALS_FIELD_SPO2,
	MXRT_VITALS_FIELD_CONFIDENCE,
	MXRT_VITALS_FIELD_FINGER,
};
int mxrt_vitals_field(const struct mxrt_vitals_out *o, int present, mxrt_u32 field,
		      mxrt_u32 *value) MXRT_NOEXCEPT;

/*
 * The input device's values for an output (docs/max30102.md, "Heart rate and SpO2"): HR in
 * 0.1 bpm, SpO2 in 0.1 % (rounded to nearest; 0: no valid value), confidence 0..100, finger 1/0
 * (0 also when not known). A zeroed output (nothing published) gives all zeroes.
 */
enum { MXRT_VITALS_EV_HR, MXRT_VITALS_EV_SPO2, MXRT_VITALS_EV_CONFIDENCE, MXRT_VITALS_EV_FINGER, MXRT_VITALS_EVENTS };
#define MXRT_VITALS_EV_HR_MAX 2500   /* 250 bpm: the longest accepted interval's rate, x 10 */
#define MXRT_VITALS_EV_SPO2_MAX 1000 /* 100 % x 10 */
void mxrt_vitals_event_values(const struct mxrt_vitals_out *o, mxrt_s32 ev[MXRT_VITALS_EVENTS]) MXRT_NOEXCEPT;

/*
 * A look inside, for plots and tests (not for the driver): the newest internal sample (records are
 * averaged to an internal rate of 50..100 Hz first, see docs/vitals.md) and the newest beat.
 */
struct mxrt_vitals_trace {
	mxrt_u64 internal_samples;  /* internal samples since the estimator (re)started */
	mxrt_u64 internal_period_ns; /* their period (0 before the first record) */
	mxrt_s64 ir_filtered;	    /* the band-passed IR of the newest internal sample (18-bit codes x 256) */
	mxrt_s64 red_filtered;	    /* the same for red */
	mxrt_s64 slope_threshold;   /* the adaptive beat threshold on the IR slope (same units per sample) */
	mxrt_s64 slope;		    /* the IR slope (falling = positive) of the newest internal sample */
	mxrt_u64 beats;		    /* beats detected since init (never reset: a change means a new beat) */
	mxrt_u64 last_beat_seq_q8;  /* when the newest beat happened: record seq, x 256 (fractional) */
	mxrt_u32 last_beat_accepted; /* its interval agreed with the others */
	mxrt_u32 ratio_milli;	    /* the ratio of ratios R x 1000 behind the SpO2 (0: none) */
	mxrt_u32 restarts;	    /* times the estimator started over (restart, gap, step, finger on) */
	mxrt_u32 pad;
};
void mxrt_vitals_get_trace(const struct mxrt_vitals *v, struct mxrt_vitals_trace *t) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_VITALS_H */
