// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (the driver's acquisition path) and user space (tests, mxrt-vitals-eval, the
// benchmark). Implements kernel/max30102/vitals.h; docs/vitals.md explains the algorithm, the
// reason for every constant and the accuracy.
//
// Fixed point throughout (no floating point in the kernel): signals are 18-bit ADC codes x 256
// (Q8), filter coefficients and ratios Q16. The pipeline:
//
//  1. Records are averaged to an internal rate of 50..100 Hz (a box-car of D records,
//     D = 20 ms / period): a pulse has nothing of interest above ~10 Hz, so whatever the output
//     rate the rest runs at most 100 times a second, and a record costs two adds and 1/D of an
//     internal sample.
//  2. Finger on/off from the IR level (hysteresis, debounce) and pulsatility (beats keep coming);
//     clipping from codes at full scale.
//  3. Per channel a band-pass of 0.5..4 Hz (30..240 bpm): two one-pole high-passes (x minus a
//     low-pass) and two one-pole low-passes, each the backward-Euler RC filter
//     y += (x - y) T / (tau + T). A step larger than 1/16 of the DC (motion, a pressed finger, the
//     LEDs settling after a restart) re-seeds the filters instead of ringing through them.
//  4. Beats on the slope of the band-passed IR: light falls steepest at the systolic upstroke of
//     the blood volume (the "maximum slope point" used as a fiducial in pulse-timing work). The
//     threshold adapts as in Pan and Tompkins' QRS detector (IEEE TBME 1985) and its adaptation
//     to PPG by Shin et al. (Comput. Biol. Med. 2009): half of a peak envelope that decays between
//     beats, a refractory period, and the largest peak within the refractory window wins. The
//     peak is placed between samples by parabolic interpolation.
//  5. HR from the last 8 beat-to-beat intervals: the median is the reference, intervals more than
//     20 % away from it (a missed or an extra beat) are rejected, HR = 60 / mean of the rest; a
//     value needs two agreeing intervals, or a first interval alone between two beats that look
//     like a pulse (similar strength, red and IR together, a fast rise, and a waveform that
//     repeats one interval later).
//  6. SpO2 from the ratio of ratios R = (AC_red / DC_red) / (AC_ir / DC_ir) (Webster, "Design of
//     Pulse Oximeters", 1997; Maxim user guide 6409), with AC_red / AC_ir the total least-squares
//     slope of the red slope on the IR slope over whole beats (every sample counts, not only a
//     peak and a trough), per beat; beats whose R is an outlier (motion pulls R towards 1) are
//     dropped, the rest of the last 8 pooled; then the line SpO2 = a - b R.
//  7. Confidence from the red/IR correlation of the pulsatile parts, the share of accepted
//     intervals and their number.
#include <max30102/vitals.h>
#include <max30102/acq.h>
#include <lib/kstd/kstd.hpp>
#include <lib/kstd/seqlock.hpp>

namespace mxrt::max30102 {
namespace {

using namespace kstd;

// --- constants (docs/vitals.md gives the reasons) -----------------------------------------
constexpr u64 kMinPeriodNs = 312'500;		// 3200 Hz, the chip's fastest
constexpr u64 kMaxPeriodNs = 1'000'000'000;	// 1 Hz (the driver's slowest is 1.5625 Hz)
constexpr u64 kInternalPeriodNs = 20'000'000;	// records are averaged down to >= 50 Hz
constexpr u64 kMaxMeasurePeriodNs = 80'000'000; // below 12.5 Hz: finger only
constexpr u64 kMaxBridgeNs = 100'000'000;	// longer gaps start over
constexpr u64 kHighPassTauNs = 318'000'000;	// 0.5 Hz: below 30 bpm
constexpr u64 kLowPassTauNs = 40'000'000;	// 4 Hz: above 240 bpm
constexpr u64 kEnvelopeTauNs = 2'500'000'000;	// the beat threshold's decay
constexpr u64 kWarmupNs = 250'000'000;		// no beats while the filters settle
constexpr u64 kRefractoryNs = 240'000'000;	// 250 bpm
constexpr u64 kMotionHoldNs = 500'000'000;	// after motion, before beats count again
constexpr u64 kMinIntervalNs = 240'000'000;	// 250 bpm
constexpr u64 kMaxIntervalNs = 2'000'000'000;	// 30 bpm
constexpr u64 kStaleNs = u64(MXRT_VITALS_STALE_MS) * 1'000'000; // no confirming beat for this long: values expire
constexpr u64 kFingerDebounceNs = 100'000'000;	// a finger level must hold this long
constexpr u64 kNoPulseNs = 6'000'000'000;	// a "finger" that never pulses is none
constexpr u64 kSystoleNs = 150'000'000;		// a systolic upstroke takes about this long
constexpr u64 kMinPerfusionDiv = 2000;		// a pulse is at least 1/2000 (0.05 %) of the DC
constexpr u32 kRing = 8;			// intervals and beats kept
constexpr u32 kStepShift = 4;			// a step: |x - baseline| > DC / 16
constexpr s64 kBeatAmpRatio = 3;		// an interval joins beats of similar strength
constexpr s64 kRepeatCorrQ16 = 45875;		// ... and the pulse repeats: correlation^2 >= 0.7
constexpr u32 kWave = 96;			// band-passed IR kept to see the pulse repeat
constexpr u64 kWavePeriodNs = 31'250'000;	// ... at 32 Hz or a little less (3 s or more)
constexpr u32 kRepeatMin = 12;			// ... compared over 12 stored samples at least
constexpr u32 kConfirmIntervals = 4;		// agreeing intervals that confirm a rhythm
constexpr s64 kMotionSlopeFactor = 4;		// a slope 4x the beats' is motion
constexpr u32 kFullScaleShift = 7;		// clipping: within 1/128 of full scale
constexpr u32 kIntervalTolerance = 5;		// an interval within 1/5 of the median
constexpr s64 kRatioTolerance = 5;		// a beat's R within 1/5 of the median
constexpr s64 kMinCorrQ16 = 32768;		// red/IR correlation^2 >= 0.5 for SpO2
constexpr s64 kMinSpo2Milli = 50'000;		// below: outside any calibration
constexpr s64 kMaxRatioQ16 = s64(4) << 16;	// R above 4: not a pulse oximetry signal

constexpr u32 kQ = 16;
constexpr s64 kOneQ16 = s64(1) << kQ;

// y += (x - y) a, a in Q16: the backward-Euler RC low-pass.
inline void LowPass(s64 &y, s64 x, s64 a) { y += ((x - y) * a) >> kQ; }

// T / (tau + T) in Q16.
constexpr s64 Alpha(u64 t_ns, u64 tau_ns) { return s64((t_ns << kQ) / (tau_ns + t_ns)); }

// ceil(ns / t): a duration in internal samples.
constexpr u64 Samples(u64 ns, u64 t) { return (ns + t - 1) / t; }

inline u32 BitLength(u64 v) { return v == 0 ? 0 : 64 - u32(__builtin_clzll(v)); }
inline u64 Abs(s64 v) { return v < 0 ? u64(-v) : u64(v); }

// The shift that brings v into `bits` bits.
inline u32 FitShift(u64 v, u32 bits) {
	const u32 b = BitLength(v);
	return b > bits ? b - bits : 0;
}

// floor(sqrt(v)), bit by bit (32 rounds).
inline u64 ISqrt(u64 v) {
	u64 r = 0;
	for (u64 bit = u64(1) << 62; bit != 0; bit >>= 2) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

// Sorts v[0..n) (n <= kRing) into out and returns the median (the lower one for even n).
template <typename T> T Median(const T *v, u32 n, T *out) {
	for (u32 i = 0; i < n; i++) {
		u32 j = i;
		for (; j > 0 && out[j - 1] > v[i]; j--)
			out[j] = out[j - 1];
		out[j] = v[i];
	}
	return out[(n - 1) / 2];
}

// One beat's worth of SpO2 data: sums of products of the IR (x) and red (y) slopes, Q8 codes
// each, and of the levels (Q8 codes).
struct Segment {
	s64 sxx, sxy, syy;
	s64 dc_ir, dc_red;
	u32 n;		// samples
	s64 ratio_q16;	// this beat's R alone (0: none), set when it closes
};

// The ratio of ratios R (Q16; 0 if there is none): the slope of red on IR, each normalised by its
// DC, by total least squares (Deming regression with equal noise in the two normalised channels;
// ordinary least squares would bias R low by the IR noise, a ratio of RMS values high by the red
// noise).
s64 Ratio(const Segment &p) {
	if (p.sxx <= 0 || p.syy <= 0 || p.sxy <= 0 || p.dc_ir <= 0 || p.dc_red <= 0)
		return 0;
	const u32 shd = FitShift(u64(Max(p.dc_ir, p.dc_red)), 31);
	const s64 di = p.dc_ir >> shd, dr = p.dc_red >> shd;
	if (dr == 0)
		return 0;
	const s64 q = (di << 12) / dr; // DC_ir / DC_red, Q12: red brought to the IR's DC
	if (q <= 0 || q >= (s64(64) << 12))
		return 0;
	const u32 s1 = FitShift(u64(Max(p.sxx, Max(p.syy, p.sxy))), 30);
	const s64 a = p.sxx >> s1;
	const s64 b = ((p.syy >> s1) * ((q * q) >> 12)) >> 12;
	const s64 c = ((p.sxy >> s1) * q) >> 12;
	const u32 s2 = FitShift(u64(Max(a, Max(b, c))), 30);
	const s64 xx = a >> s2, yy = b >> s2, xy = c >> s2;
	if (xy <= 0)
		return 0;
	// (yy - xx + sqrt((yy - xx)^2 + 4 xy^2)) / (2 xy); every term below 2^62
	const s64 d = yy - xx;
	const s64 root = s64(ISqrt(u64(d * d + 4 * xy * xy)));
	const s64 r = ((d + root) << kQ) / (2 * xy);
	return r <= kMaxRatioQ16 ? r : 0;
}

// The squared correlation of the red and IR slopes, Q16.
s64 CorrelationSq(const Segment &p) {
	if (p.sxx <= 0 || p.syy <= 0 || p.sxy <= 0)
		return 0;
	const u32 sh = FitShift(u64(Max(p.sxx, p.syy)), 30);
	const s64 xx = p.sxx >> sh, yy = p.syy >> sh, xy = p.sxy >> sh;
	if (xx == 0 || yy == 0)
		return 0;
	return Min<s64>(((xy * xy / xx) << kQ) / yy, kOneQ16);
}

enum class Finger : u8 { kUnknown, kOff, kOn };

// A channel's band-pass (Q8 codes).
struct Channel {
	s64 hp1 = 0, hp2 = 0, lp1 = 0, lp2 = 0;
	void Seed(s64 x) {
		hp1 = x; // the DC: the band-passed output starts at 0
		hp2 = lp1 = lp2 = 0;
	}
	s64 Filter(s64 x, s64 a_hp, s64 a_lp) {
		LowPass(hp1, x, a_hp);
		const s64 h1 = x - hp1;
		LowPass(hp2, h1, a_hp);
		LowPass(lp1, h1 - hp2, a_lp);
		LowPass(lp2, lp1, a_lp);
		return lp2;
	}
};

class Estimator {
public:
	explicit Estimator(const mxrt_vitals_config &c) : cfg_(c) {}

	const mxrt_vitals_config &Config() const { return cfg_; }

	// Which LED's channel carries the pulse. kAuto (the evaluator's, on records alone): red when
	// IR is 0 in a record (HR mode), both otherwise. The driver sets it from the chip's
	// configuration (mxrt_vitals_set_sensor): with one LED switched off in SpO2 or multi-LED mode
	// the records alone misled it (red only with IR at 0 judged the finger on red against IR's
	// thresholds, so air read as a finger; IR only gave confidence 0 to every valid rate, and on
	// a real chip the dark LED's few codes of noise would read as motion).
	enum class PulseLeds : u8 { kAuto, kBoth, kRed, kIr };
	PulseLeds pulse_leds() const { return pulse_leds_; }
	void set_pulse_leds(PulseLeds c) { pulse_leds_ = c; }

	// Another configuration, as after construction with it; the trace counters go on.
	void Reconfigure(const mxrt_vitals_config &c) {
		cfg_ = c;
		Reset();
	}

	// As after construction; the trace counters go on. Built in place: `*this = Estimator(cfg_)`
	// would build the whole state (1.5 KB) as a temporary on the kernel stack first, and this runs
	// on the IRQ thread (a restart in a burst), in sysfs and in runtime suspend.
	void Reset() {
		const mxrt_vitals_config cfg = cfg_;
		const u64 beats = beats_;
		const u32 restarts = restarts_;
		const PulseLeds pulse_leds = pulse_leds_;
		new (this) Estimator(cfg); // trivially destructible: nothing to end first
		beats_ = beats;
		restarts_ = restarts;
		pulse_leds_ = pulse_leds;
	}

	int Push(const mxrt_max30102_record &r, u64 period_ns) {
		if (period_ns < kMinPeriodNs || period_ns > kMaxPeriodNs || r.adc_bits < 15 || r.adc_bits > 18 ||
		    (r.red >> r.adc_bits) != 0 || (r.ir >> r.adc_bits) != 0 || (started_ && r.seq <= last_seq_))
			return -MXRT_EINVAL;
		if (Continues(r, period_ns))
			return Take(&r, 1);
		// a new stream or a gap
		const mxrt_vitals_out before = out_;
		if (!started_ || (r.flags & MXRT_MAX30102_REC_RESTART) || period_ns != period_ns_ || r.adc_bits != adc_bits_)
			Start(r, period_ns);
		else if (r.seq - last_seq_ - 1 <= max_bridge_)
			Bridge(r);
		else
			Start(r, period_ns);
		return Changes(before, out_) | Take(&r, 1);
	}

	// A burst: runs of records that continue the stream are checked and added in one pass (a
	// driver's burst is one run); a record that does not continue it goes through Push.
	int PushN(const mxrt_max30102_record *r, u32 n, u64 period_ns) {
		int changed = 0;
		for (u32 i = 0; i < n;) {
			if (started_ && period_ns == period_ns_) {
				const u32 took = TakeRun(r + i, n - i, &changed);
				i += took;
				if (i == n)
					break;
			}
			const int c = Push(r[i], period_ns);
			if (c < 0)
				return c;
			changed |= c;
			i++;
		}
		return changed;
	}

	void Get(mxrt_vitals_out *o) const { *o = out_; }

	void Trace(mxrt_vitals_trace *t) const {
		*t = {};
		t->internal_samples = n_;
		t->internal_period_ns = t_ns_;
		t->ir_filtered = ir_.lp2;
		t->red_filtered = red_.lp2;
		t->slope_threshold = env_ / 2;
		t->slope = s1_;
		t->beats = beats_;
		t->last_beat_seq_q8 = last_beat_seq_q8_;
		t->last_beat_accepted = last_beat_accepted_;
		t->ratio_milli = u32((ratio_q16_ * 1000) >> kQ);
		t->restarts = restarts_;
	}

private:
	// One channel carries the pulse (no SpO2, nothing to correlate with): derived, since
	// red_only_ is Internal's and pulse_leds_ changes only in mxrt_vitals_set_sensor, which
	// starts over (or takes kBoth for kAuto, and the next block sees red_only_ change, if it does)
	bool Single() const { return red_only_ || pulse_leds_ == PulseLeds::kIr; }

	// (Re)starts the stream at record r: everything measured is dropped, the configuration stays.
	void Start(const mxrt_max30102_record &r, u64 period_ns) {
		const u32 adc_bits = r.adc_bits;
		Reset();
		restarts_++;
		started_ = true;
		period_ns_ = period_ns;
		adc_bits_ = adc_bits;
		shift_ = 18 - adc_bits;
		clip_code_ = (1u << adc_bits) - (1u << (adc_bits - kFullScaleShift));
		decim_ = u32(kInternalPeriodNs / period_ns);
		if (decim_ == 0)
			decim_ = 1;
		inv_decim_ = ((u64(1) << 32) + decim_ / 2) / decim_; // decim_ <= 64: sum x inv < 2^56
		t_ns_ = u64(decim_) * period_ns;
		low_rate_ = t_ns_ > kMaxMeasurePeriodNs;
		max_bridge_ = kMaxBridgeNs / period_ns;
		wave_stride_ = u32(Samples(kWavePeriodNs, t_ns_));
		a_hp_ = Alpha(t_ns_, kHighPassTauNs);
		a_lp_ = Alpha(t_ns_, kLowPassTauNs);
		a_env_ = Alpha(t_ns_, kEnvelopeTauNs);
		warmup_n_ = Samples(kWarmupNs, t_ns_);
		refractory_q8_ = min_refractory_q8_ = (kRefractoryNs << 8) / t_ns_;
		motion_hold_n_ = Samples(kMotionHoldNs, t_ns_);
		min_iv_q8_ = (kMinIntervalNs << 8) / t_ns_;
		max_iv_q8_ = (kMaxIntervalNs << 8) / t_ns_;
		max_segment_n_ = Samples(kMaxIntervalNs, t_ns_) + 1;
		stale_n_ = Samples(kStaleNs, t_ns_);
		debounce_n_ = Samples(kFingerDebounceNs, t_ns_);
		no_pulse_n_ = Samples(kNoPulseNs, t_ns_);
		min_slope_q24_ = s64((t_ns_ << 24) / (kMinPerfusionDiv * kSystoleNs));
		last_seq_ = r.seq - 1;
		evaluated_ = true; // the values (none) are as of this record
		Publish(r.seq, r.timestamp_ns);
	}

	bool Continues(const mxrt_max30102_record &r, u64 period_ns) const {
		return started_ && r.seq == last_seq_ + 1 && period_ns == period_ns_ && r.adc_bits == adc_bits_ &&
		       !(r.flags & MXRT_MAX30102_REC_RESTART);
	}

	// Adds m valid records that continue the stream to the running blocks: two adds and a
	// maximum per record; a full block is an internal sample.
	int Take(const mxrt_max30102_record *r, u32 m) {
		int changed = 0;
		while (m > 0) {
			const u32 take = Min(m, decim_ - count_);
			u64 red = 0, ir = 0;
			u32 top = 0;
			for (u32 k = 0; k < take; k++) {
				red += r[k].red;
				ir += r[k].ir;
				top = Max(top, Max(r[k].red, r[k].ir));
			}
			r += take;
			m -= take;
			changed |= AddToBlock(red, ir, top, take, r[-1]);
		}
		return changed;
	}

	// Takes the longest run of r[0..m) that continues the stream with valid records, checking
	// them as it adds them up; returns how many it took.
	u32 TakeRun(const mxrt_max30102_record *r, u32 m, int *changed) {
		// flags other than RESTART come with a seq gap, or do not matter here
		const u32 want = u32(adc_bits_) << 16, mask = 0xffff0000u | MXRT_MAX30102_REC_RESTART;
		u32 done = 0;
		while (done < m) {
			const u32 room = Min(m - done, decim_ - count_);
			const mxrt_max30102_record *x = r + done;
			const u64 seq = last_seq_ + 1;
			u64 red = 0, ir = 0;
			u32 top = 0, k = 0;
			for (; k < room; k++) {
				if (x[k].seq != seq + k || ((u32(x[k].adc_bits) << 16 | x[k].flags) & mask) != want)
					break;
				red += x[k].red;
				ir += x[k].ir;
				top = Max(top, Max(x[k].red, x[k].ir));
			}
			if ((top >> adc_bits_) != 0) { // a value too wide: take what comes before it (rare)
				u32 w = 0;
				red = ir = top = 0;
				for (; ((x[w].red | x[w].ir) >> adc_bits_) == 0; w++) {
					red += x[w].red;
					ir += x[w].ir;
					top = Max(top, Max(x[w].red, x[w].ir));
				}
				k = w;
			}
			if (k == 0)
				break;
			*changed |= AddToBlock(red, ir, top, k, x[k - 1]);
			done += k;
			if (k < room)
				break;
		}
		return done;
	}

	// Adds the sums of `take` records, the last of them `last`, to the running block.
	int AddToBlock(u64 red, u64 ir, u32 top, u32 take, const mxrt_max30102_record &last) {
		sum_red_ += red;
		sum_ir_ += ir;
		max_code_ = Max(max_code_, top);
		count_ += take;
		last_seq_ = last.seq;
		if (count_ < decim_)
			return 0;
		return Internal(last.seq, last.seq, last.timestamp_ns);
	}

	// A short gap (at most kMaxBridgeNs): the filters see the last level held for the lost
	// records (at most a few internal samples); beats go on and intervals count the lost time;
	// the current beat's SpO2 sums are dropped. Before the first block is complete there is no
	// block to hold, and the records of this one stand in (there is one at least: Start's record
	// was taken); holding the zero of no block read as "finger absent" for 100 ms.
	void Bridge(const mxrt_max30102_record &r) {
		u32 lost = u32(r.seq - last_seq_ - 1);
		u64 seq = last_seq_;
		const bool first = n_ == 0 && count_ != 0;
		const u64 hold_red = first ? sum_red_ / count_ : last_sum_red_ / decim_;
		const u64 hold_ir = first ? sum_ir_ / count_ : last_sum_ir_ / decim_;
		while (lost > 0) {
			const u32 take = Min(lost, decim_ - count_);
			sum_red_ += hold_red * take;
			sum_ir_ += hold_ir * take;
			count_ += take;
			lost -= take;
			seq += take;
			DropSegment();
			if (count_ == decim_)
				Internal(seq, r.seq, r.timestamp_ns);
		}
		last_seq_ = seq;
	}

	// One internal sample: the block of decim_ records that ended with record `seq`; a change
	// is stamped with record `stamp_seq` taken at `stamp_ts`.
	int Internal(u64 seq, u64 stamp_seq, u64 stamp_ts) {
		// the block's mean, 18-bit codes x 256: sum x 2^shift x 256 / decim_ (a reciprocal:
		// no division per sample)
		const s64 x_red = s64((sum_red_ * inv_decim_) >> (24 - shift_));
		const s64 x_ir = s64((sum_ir_ * inv_decim_) >> (24 - shift_));
		clipping_ = max_code_ >= clip_code_;
		last_sum_red_ = sum_red_; // a gap holds this block's mean
		last_sum_ir_ = sum_ir_;
		sum_red_ = sum_ir_ = 0;
		max_code_ = 0;
		count_ = 0;
		n_++;
		// the middle of the block, in record seq x 256
		center_q8_ = (seq << 8) - u64(decim_ - 1) * 128;
		// One channel carries the pulse, with no SpO2: red in HR mode (IR is 0 in every record)
		// or with the IR LED off, IR with the red LED off (pulse_leds_). A switch between one and
		// two channels starts the measurement over.
		const bool red_only = pulse_leds_ == PulseLeds::kRed || (pulse_leds_ == PulseLeds::kAuto && x_ir == 0 && x_red > 0);
		if (red_only != red_only_) {
			red_only_ = red_only;
			ClearMeasurement();
		}
		const s64 pulse = red_only ? x_red : x_ir, second = Single() ? 0 : x_red;
		UpdateFinger(pulse);
		if ((finger_ == Finger::kOn || landing_) && !low_rate_)
			Measure(pulse, second);
		Expire();
		return Publish(stamp_seq, stamp_ts);
	}

	// Finger on/off from the IR level: on at finger_on_level, off below finger_off_level (the
	// hysteresis), each only once the level has held for kFingerDebounceNs. The measurement
	// starts afresh at the level's first sample at finger_on_level (the finger landing), not
	// once it has held, so that the filters' warm-up and the first beat overlap the debounce;
	// nothing is reported before the finger is on.
	void UpdateFinger(s64 x_ir) {
		const u64 level = u64(x_ir >> 8);
		const bool above = level >= cfg_.finger_on_level;
		if (finger_ != Finger::kOn) {
			if (!above)
				landing_ = false;
			else if (!landing_) {
				landing_ = true;
				FingerOn();
			}
		}
		switch (finger_) {
		case Finger::kUnknown:
			if (++finger_count_ >= debounce_n_) {
				finger_count_ = 0;
				finger_ = above ? Finger::kOn : Finger::kOff;
				landing_ = false;
			}
			break;
		case Finger::kOn:
			finger_count_ = level < cfg_.finger_off_level ? finger_count_ + 1 : 0;
			if (finger_count_ >= debounce_n_) {
				finger_count_ = 0;
				finger_ = Finger::kOff;
				ClearMeasurement();
			}
			break;
		case Finger::kOff:
			finger_count_ = above ? finger_count_ + 1 : 0;
			if (finger_count_ >= debounce_n_) {
				finger_count_ = 0;
				finger_ = Finger::kOn;
				landing_ = false;
			}
			break;
		}
	}

	// A finger lands: the measurement starts afresh.
	void FingerOn() {
		ClearMeasurement();
		on_n_ = n_;
	}

	// Drops what was measured (values, intervals, beats); the filters re-seed on the next sample.
	void ClearMeasurement() {
		ClearRhythm();
		hr_valid_ = spo2_valid_ = false;
		bridged_ = false;
		ratio_q16_ = corr_q16_ = 0;
		pending_ = false;
		DropSegment();
		seeded_ = false;
	}

	// Forgets the intervals and beats kept (the rings start again at their first slot: they
	// are read as slots [0, count) until full).
	void ClearRhythm() {
		ForgetIntervals();
		verified_ = false;
		have_beat_ = false;
		beat_env_ = 0;
	}

	// Forgets the intervals and the beats' SpO2 data; the last beat stays.
	void ForgetIntervals() {
		iv_count_ = iv_head_ = iv_accepted_ = 0;
		iv_covered_ = first_ok_ = repeats_ = false;
		seg_count_ = seg_head_ = 0;
		refractory_q8_ = min_refractory_q8_;
	}

	void Seed(s64 x_ir, s64 x_red) {
		ir_.Seed(x_ir);
		red_.Seed(x_red);
		shape1_ = shape2_ = x_ir;
		seed_n_ = n_;
		env_ = s0_ = s1_ = 0;
		have_beat_ = pending_ = false;
		DropSegment();
		wave_count_ = wave_head_ = wave_phase_ = 0;
		wave_last_ = 0;
		seeded_ = true;
	}

	// The current beat's SpO2 data is not to be trusted.
	void DropSegment() { NewSegment(true); }

	// A new beat's SpO2 data and slope extremes start here; `dirty`: not to be trusted.
	void NewSegment(bool dirty) {
		seg_ = {};
		seg_rise_ = seg_fall_ = 0;
		seg_dirty_ = dirty;
	}

	void Motion() {
		motion_until_ = n_ + motion_hold_n_;
		have_beat_ = pending_ = false;
		DropSegment();
	}

	void Measure(s64 x_ir, s64 x_red) {
		if (!seeded_) {
			Seed(x_ir, x_red);
			return;
		}
		// A step (motion, a pressed finger, the LEDs settling): start the filters again there.
		// This also bounds every band-passed value below 2^23 and every slope below 2^24.
		// While the finger lands (before it is on), a step is the landing, not motion: the
		// warm-up after the seed is enough.
		if (Abs(x_ir - ir_.hp1) > u64(ir_.hp1 >> kStepShift) || Abs(x_red - red_.hp1) > u64(red_.hp1 >> kStepShift)) {
			restarts_++;
			Seed(x_ir, x_red);
			if (finger_ == Finger::kOn)
				Motion();
			return;
		}
		const s64 prev_ir = ir_.lp2, prev_red = red_.lp2;
		const s64 ac_ir = ir_.Filter(x_ir, a_hp_, a_lp_);
		const s64 ac_red = red_.Filter(x_red, a_hp_, a_lp_);
		const s64 s = prev_ir - ac_ir; // falling IR light: the systolic upstroke
		if (++wave_phase_ >= wave_stride_) { // band-passed values are below 2^23 (above)
			wave_phase_ = 0;
			wave_[wave_head_] = s32((wave_last_ - ac_ir) >> 3);
			wave_last_ = ac_ir;
			wave_head_ = (wave_head_ + 1) % kWave;
			if (wave_count_ < kWave)
				wave_count_++;
		}
		const s64 s_red = prev_red - ac_red;
		// The pulse's shape (its rise against its run-off) on the IR low-passed alone: the
		// high-passes, near a slow pulse's rate, would steepen its run-off (at 40 bpm to nearly
		// the rise's slope).
		const s64 prev_shape = shape2_;
		LowPass(shape1_, x_ir, a_lp_);
		LowPass(shape2_, shape1_, a_lp_);
		const s64 s_shape = prev_shape - shape2_;

		// Motion: clipping, or (once a rhythm is confirmed) a slope far steeper than the beats'.
		if (clipping_ || (Confirmed() && Abs(s) > u64(beat_env_ * kMotionSlopeFactor)))
			Motion();

		// The current beat's SpO2 sums, on the slopes: a difference is one more filter, the same
		// for both channels (the ratio does not change), and it suppresses breathing wander,
		// which is common to both channels and would pull R towards 1. Slopes are below 2^24, a
		// beat at most max_segment_n_ (< 256) samples: the sums stay below 2^56.
		if (!seg_dirty_) {
			seg_.sxx += s * s;
			seg_.sxy += s * s_red;
			seg_.syy += s_red * s_red;
			seg_.dc_ir += x_ir;
			seg_.dc_red += x_red;
			seg_rise_ = Max(seg_rise_, s_shape);
			seg_fall_ = Max(seg_fall_, -s_shape);
			if (++seg_.n > max_segment_n_)
				DropSegment();
		}

		const bool quiet = n_ >= motion_until_ && n_ - seed_n_ > warmup_n_;
		env_ -= (env_ * a_env_) >> kQ;
		if (s > env_ && n_ >= motion_until_) // motion does not raise the threshold
			env_ = s;
		// A peak is a candidate above half the envelope, above the pulsatility floor, and once a
		// rhythm is known above 2/5 of the beats' typical slope (a dicrotic or diastolic wave
		// late in a slow beat is not the next beat, however far the envelope has decayed).
		if (quiet && s0_ <= s1_ && s1_ > s && s1_ * 2 >= env_ && s1_ >= ((ir_.hp1 * min_slope_q24_) >> 24) &&
		    (!Confirmed() || s1_ * 5 >= beat_env_ * 2))
			Candidate(s);
		// A beat is committed once its refractory time has passed with no larger slope peak in
		// it. After the candidate check: a peak seen in this very sample may still fall within
		// that time and replace it.
		if (pending_ && (n_ << 8) > pending_t_q8_ + refractory_q8_)
			Commit();
		s0_ = s1_;
		s1_ = s;
	}

	// s1_ (the slope between the last two samples but one) is a peak: a beat if it is the
	// largest in its refractory window.
	void Candidate(s64 s) {
		const s64 den = s0_ - 2 * s1_ + s; // < 0 at a peak
		const s64 off = den < 0 ? ((s0_ - s) * 128) / den : 0; // -128..128, x 1/256 sample
		// s1_ is the slope from sample n-2 to n-1: it sits at n - 1.5
		const u64 t = u64(s64((n_ - 1) << 8) - 128 + off);
		if (pending_ && t > pending_t_q8_ + refractory_q8_)
			Commit(); // a peak after the pending beat's refractory time: the next beat
		if (have_beat_ && t < last_beat_t_q8_ + refractory_q8_)
			return;
		if (pending_ && s1_ <= pending_amp_)
			return;
		pending_ = true;
		pending_t_q8_ = t;
		pending_amp_ = s1_;
		// seq x 256 wraps as seq does (modulo 2^64): unsigned, since as an s64 the centre can sit
		// at its minimum (seq near 2^55) and the 1.5 samples back would overflow
		pending_seq_q8_ = center_q8_ - u64(decim_) * 384 + u64(off * s64(decim_));
	}

	void Commit() {
		pending_ = false;
		beats_++;
		last_beat_seq_q8_ = pending_seq_q8_;
		last_beat_accepted_ = 0;
		// Before a rhythm is confirmed, a beat far stronger than the beats so far shows that
		// those were noise (the first seconds after a finger lands): the rhythm starts here.
		// (Once it is confirmed, such a slope is motion and never gets here.)
		if (!Confirmed() && beat_env_ > 0 && pending_amp_ > kBeatAmpRatio * beat_env_)
			ClearRhythm();
		// An interval joins two beats of similar strength (a noise peak next to a real beat
		// is no interval) and has a plausible length.
		const bool similar = pending_amp_ <= kBeatAmpRatio * last_beat_amp_ && last_beat_amp_ <= kBeatAmpRatio * pending_amp_;
		bool added = false;
		if (have_beat_ && similar) {
			const u64 iv = pending_t_q8_ - last_beat_t_q8_;
			if (iv >= min_iv_q8_ && iv <= max_iv_q8_) {
				// Until the rhythm is confirmed, the newest interval must see the waveform
				// repeat (Repeats) for a value: the filters settling after a finger lands on a
				// pulse's run-off (a ramp with noise on it) give evenly spaced slope peaks, and
				// a slow beat's late wave pairs with the systoles into half-length intervals;
				// both agree among themselves.
				const bool repeats = Confirmed() || Repeats(iv);
				// The first interval that repeats, far from the median of those kept before it
				// (none of which repeated), shows that those were no rhythm: it starts one.
				// Otherwise they would outvote it until they left the last kRing.
				if (repeats && !verified_ && iv_count_ > 0 && !NearMedian(u32(iv)))
					ForgetIntervals();
				repeats_ = repeats;
				verified_ = verified_ || repeats;
				AddInterval(u32(iv));
				added = true;
				// The first interval of a rhythm counts alone only between two beats that look
				// like a pulse: of similar strength (within 2:1), with the beat between them
				// clean, red and IR pulsing together (r^2 >= 0.5, as for SpO2), light falling
				// faster at the upstroke than it rises in the run-off (by 1.2: a motion burst
				// is as steep both ways), and a waveform that repeats one interval later (noise
				// peaks do not, a systole and its own late wave do not at their distance).
				first_ok_ = iv_count_ == 1 && !seg_dirty_ && !Single() &&
					    Max(pending_amp_, last_beat_amp_) <= 2 * Min(pending_amp_, last_beat_amp_) &&
					    CorrelationSq(seg_) >= kMinCorrQ16 && seg_rise_ * 5 >= seg_fall_ * 6 && repeats_;
				if (!seg_dirty_)
					AddSegment();
			}
		}
		beat_env_ = beat_env_ == 0 ? pending_amp_ : (3 * beat_env_ + pending_amp_) / 4;
		last_beat_amp_ = pending_amp_;
		have_beat_ = true;
		last_beat_t_q8_ = pending_t_q8_;
		last_commit_n_ = n_;
		NewSegment(false);
		Evaluate(added);
	}

	// Whether the band-passed IR repeats itself after `iv_q8` (an interval, Q8 internal samples):
	// the correlation of its newest stretch with the stretch one interval earlier (at the two
	// stored lags nearest the interval). A pulse repeats, noise and a beat's own late wave do not.
	// Needs the stretch to span at least a third of an interval (and kRepeatMin values) since
	// the filters were seeded: at 40 bpm a first beat 0.5 s after the seed can be checked. At
	// most kWave stored values are read, once per interval until the rhythm is confirmed.
	bool Repeats(u64 iv_q8) const {
		const u64 lag_q8 = iv_q8 / wave_stride_;
		for (u32 lag = u32(lag_q8 >> 8); lag <= u32((lag_q8 + 255) >> 8); lag++) {
			if (lag == 0 || lag >= wave_count_)
				continue;
			const u32 w = Min(wave_count_ - lag, Max(lag, kRepeatMin));
			if (3 * w < lag || w < kRepeatMin)
				continue;
			s64 sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
			for (u32 k = 0; k < w; k++) { // values below 2^21: sums below 2^49
				const s64 y = wave_[(wave_head_ + kWave - 1 - k) % kWave];
				const s64 x = wave_[(wave_head_ + kWave - 1 - k - lag) % kWave];
				sx += x;
				sy += y;
				sxx += x * x;
				syy += y * y;
				sxy += x * y;
			}
			// w x the (co)variances: w < 2^7, so below 2^56
			Segment c = {};
			c.sxx = s64(w) * sxx - sx * sx;
			c.syy = s64(w) * syy - sy * sy;
			c.sxy = s64(w) * sxy - sx * sy;
			if (CorrelationSq(c) >= kRepeatCorrQ16)
				return true;
		}
		return false;
	}

	// Enough agreeing intervals that the beats' strength can judge motion.
	bool Confirmed() const { return iv_accepted_ >= kConfirmIntervals; }

	// Whether iv is within kIntervalTolerance of the median of the intervals kept.
	bool NearMedian(u32 iv) const {
		u32 sorted[kRing];
		const u32 med = Median(iv_, iv_count_, sorted);
		const u32 d = iv > med ? iv - med : med - iv;
		return d * kIntervalTolerance <= med;
	}

	void AddInterval(u32 iv) {
		iv_[iv_head_] = iv;
		iv_head_ = (iv_head_ + 1) % kRing;
		if (iv_count_ < kRing)
			iv_count_++;
		u32 sorted[kRing];
		const u32 med = Median(iv_, iv_count_, sorted);
		u64 sum = 0, all = 0;
		u32 acc = 0;
		for (u32 i = 0; i < iv_count_; i++) {
			all += iv_[i];
			const u32 d = iv_[i] > med ? iv_[i] - med : med - iv_[i];
			if (d * kIntervalTolerance <= med) {
				sum += iv_[i];
				acc++;
			}
		}
		// The accepted intervals must cover most of the time the kept ones span: a missed beat
		// (one double interval) leaves most of it covered, a beat detected twice (short and long
		// intervals in turn, which can agree among themselves) does not.
		iv_covered_ = sum * 3 >= all * 2;
		const u32 d = iv > med ? iv - med : med - iv;
		last_beat_accepted_ = d * kIntervalTolerance <= med;
		iv_accepted_ = acc;
		// 60 s in mbpm x 256 (Q8 intervals) / (mean interval x T); sum * t_ns_ < 2^50
		hr_mbpm_ = u32((60'000'000'000'000ull * 256 * acc + sum * t_ns_ / 2) / (sum * t_ns_));
		// Once the rhythm is known, a peak within 3/8 of an interval of a beat is not the next.
		refractory_q8_ = Max<u64>(min_refractory_q8_, u64(med) * 3 / 8);
	}

	void AddSegment() {
		seg_.ratio_q16 = Ratio(seg_);
		seg_ring_[seg_head_] = seg_;
		seg_head_ = (seg_head_ + 1) % kRing;
		if (seg_count_ < kRing)
			seg_count_++;
	}

	// HR, SpO2 and confidence after a beat.
	// @confirmed: this beat added an interval, and confirms the values (their expiry counts from
	// it). One beat that adds none (the first after motion or a gap too long for an interval,
	// where the chain starts again; one of unlike strength) stands in for a confirmation once,
	// bridging the chain's restart; a second in a row does not. Every such beat used to: values
	// of a rhythm that had stopped stayed valid for good (72 bpm shown for a pulse down to 24 bpm).
	void Evaluate(bool confirmed) {
		// SpO2: beats whose own R is far from the median hold an artifact; the rest are pooled.
		s64 rs[kRing], sorted[kRing];
		u32 nr = 0;
		for (u32 i = 0; i < seg_count_; i++)
			if (seg_ring_[i].ratio_q16 > 0)
				rs[nr++] = seg_ring_[i].ratio_q16;
		const s64 med = nr > 0 ? Median(rs, nr, sorted) : 0;
		Segment p = {};
		for (u32 i = 0; i < seg_count_; i++) {
			const Segment &g = seg_ring_[i];
			const s64 dev = g.ratio_q16 > med ? g.ratio_q16 - med : med - g.ratio_q16;
			if (g.ratio_q16 == 0 || dev * kRatioTolerance > med)
				continue;
			p.sxx += g.sxx;
			p.sxy += g.sxy;
			p.syy += g.syy;
			p.dc_ir += g.dc_ir;
			p.dc_red += g.dc_red;
		}
		corr_q16_ = CorrelationSq(p);
		ratio_q16_ = Ratio(p);
		// HR: two or more agreeing intervals, the majority of those kept, covering most of their
		// time; or the first interval alone when its beats look like a pulse (first_ok_: two
		// beats alone can be a systole and a smaller wave of the same beat, or noise, and the
		// checks in Commit tell those apart).
		hr_valid_ = (iv_accepted_ >= 2 && iv_accepted_ * 2 >= iv_count_ && iv_covered_ && repeats_) ||
			    (iv_count_ == 1 && first_ok_);
		s64 spo2 = 0;
		if (ratio_q16_ > 0)
			spo2 = s64(cfg_.spo2_a_milli) - ((s64(cfg_.spo2_b_milli) * ratio_q16_) >> kQ);
		spo2_valid_ = hr_valid_ && corr_q16_ >= kMinCorrQ16 && spo2 >= kMinSpo2Milli;
		spo2_mpct_ = u32(spo2_valid_ ? Min<s64>(spo2, 100'000) : 0);
		// Confidence: the red/IR correlation, times the share of accepted intervals, times how
		// many agree (full from kConfirmIntervals on). With one channel (HR mode, one LED off)
		// there is nothing to correlate with: the intervals alone say it (the correlation of 0
		// made every such value one of confidence 0, which a reader gating on it threw away).
		const s64 corr = Single() ? kOneQ16 : corr_q16_;
		confidence_ = hr_valid_ ? u32((corr * 100 * iv_accepted_ * Min(iv_accepted_, kConfirmIntervals) /
					       (iv_count_ * kConfirmIntervals)) >> kQ)
					: 0;
		if (hr_valid_ && (confirmed || !bridged_)) {
			last_valid_n_ = n_;
			bridged_ = !confirmed;
		}
		evaluated_ = true;
	}

	// Beats that stop coming end the interval chain, then the values; a "finger" that never
	// pulses is no finger.
	void Expire() {
		if (finger_ != Finger::kOn)
			return;
		if (low_rate_) { // no beats at this rate: pulsatility cannot be judged
			pulse_ = true;
			return;
		}
		if (have_beat_ && n_ - last_commit_n_ > max_segment_n_) {
			have_beat_ = false; // too long for an interval: the next beat starts a new chain
			DropSegment();
		}
		if (hr_valid_ && n_ - last_valid_n_ > stale_n_) {
			const u64 on = on_n_;
			ClearMeasurement();
			seeded_ = true; // the filters are fine
			on_n_ = on;
		}
		pulse_ = n_ - Max(on_n_, last_commit_n_) <= no_pulse_n_;
	}

	// out_ from the state; its timestamp and seq are those of the record at which the values were
	// last evaluated (a beat) or changed.
	// Returns what changed (MXRT_VITALS_CHANGED_*).
	int Publish(u64 seq, u64 ts) {
		mxrt_vitals_out o = {};
		const bool on = finger_ == Finger::kOn;
		if (finger_ != Finger::kUnknown)
			o.flags |= MXRT_VITALS_FINGER_VALID;
		if (on && pulse_)
			o.flags |= MXRT_VITALS_FINGER;
		if (on && hr_valid_) {
			o.flags |= MXRT_VITALS_HR_VALID;
			o.hr_mbpm = hr_mbpm_;
			o.confidence = confidence_;
			if (spo2_valid_) {
				o.flags |= MXRT_VITALS_SPO2_VALID;
				o.spo2_mpct = spo2_mpct_;
			}
		}
		if (on && n_ < motion_until_)
			o.flags |= MXRT_VITALS_MOTION;
		if (clipping_)
			o.flags |= MXRT_VITALS_CLIPPING;
		if (low_rate_)
			o.flags |= MXRT_VITALS_LOW_RATE;
		int changed = 0;
		if (o.hr_mbpm != out_.hr_mbpm || o.spo2_mpct != out_.spo2_mpct || o.confidence != out_.confidence ||
		    o.flags != out_.flags)
			changed = Changes(out_, o);
		if (changed || evaluated_) {
			o.timestamp_ns = ts;
			o.seq = seq;
			out_ = o;
		}
		evaluated_ = false;
		return changed;
	}

	static int Changes(const mxrt_vitals_out &b, const mxrt_vitals_out &a) {
		const u32 f = b.flags ^ a.flags;
		int c = 0;
		if (b.hr_mbpm != a.hr_mbpm || (f & MXRT_VITALS_HR_VALID))
			c |= MXRT_VITALS_CHANGED_HR;
		if (b.spo2_mpct != a.spo2_mpct || (f & MXRT_VITALS_SPO2_VALID))
			c |= MXRT_VITALS_CHANGED_SPO2;
		if (f & (MXRT_VITALS_FINGER | MXRT_VITALS_FINGER_VALID))
			c |= MXRT_VITALS_CHANGED_FINGER;
		if (b.confidence != a.confidence || (f & (MXRT_VITALS_MOTION | MXRT_VITALS_CLIPPING | MXRT_VITALS_LOW_RATE)))
			c |= MXRT_VITALS_CHANGED_OTHER;
		return c;
	}

	mxrt_vitals_config cfg_;
	mxrt_vitals_out out_ = {};

	// the stream and the averaging to the internal rate
	bool started_ = false, low_rate_ = false, clipping_ = false, red_only_ = false;
	PulseLeds pulse_leds_ = PulseLeds::kAuto;
	u32 adc_bits_ = 0, shift_ = 0, clip_code_ = 0, decim_ = 1, count_ = 0;
	u32 max_code_ = 0;		 // the largest code of the running block (clipping)
	u64 period_ns_ = 0, t_ns_ = 0, last_seq_ = 0, max_bridge_ = 0, inv_decim_ = 0;
	u64 sum_red_ = 0, sum_ir_ = 0;	 // the running block, codes as recorded
	u64 last_sum_red_ = 0, last_sum_ir_ = 0; // the last full block (held over a gap)
	u64 n_ = 0, center_q8_ = 0; // internal samples since the start; the newest one's middle seq
	// coefficients (Q16) and durations in internal samples (or Q8 internal samples)
	s64 a_hp_ = 0, a_lp_ = 0, a_env_ = 0, min_slope_q24_ = 0;
	u64 warmup_n_ = 0, min_refractory_q8_ = 0, refractory_q8_ = 0, motion_hold_n_ = 0;
	u64 min_iv_q8_ = 0, max_iv_q8_ = 0, max_segment_n_ = 0, stale_n_ = 0, debounce_n_ = 0, no_pulse_n_ = 0;
	// finger
	Finger finger_ = Finger::kUnknown;
	bool pulse_ = true, landing_ = false; // landing_: measuring before the finger is on
	u64 finger_count_ = 0, on_n_ = 0;
	// filters and beats
	bool seeded_ = false, have_beat_ = false, pending_ = false, seg_dirty_ = true;
	bool bridged_ = false; // a beat that confirmed nothing has kept the values since the last that did
	Channel ir_, red_;
	u64 seed_n_ = 0, motion_until_ = 0;
	s64 s0_ = 0, s1_ = 0, env_ = 0, beat_env_ = 0, pending_amp_ = 0, last_beat_amp_ = 0;
	u64 pending_t_q8_ = 0, pending_seq_q8_ = 0, last_beat_t_q8_ = 0, last_commit_n_ = 0, last_valid_n_ = 0;
	u64 beats_ = 0, last_beat_seq_q8_ = 0;
	u32 last_beat_accepted_ = 0, restarts_ = 0;
	// intervals (Q8 internal samples) and beats' SpO2 data
	u32 iv_[kRing] = {}, iv_head_ = 0, iv_count_ = 0, iv_accepted_ = 0;
	bool iv_covered_ = false, first_ok_ = false, repeats_ = false;
	bool verified_ = false; // an interval of this rhythm has repeated the waveform
	// the band-passed IR's change over each wave_stride_ internal samples (Q8 codes / 8), since
	// the last seed: what Repeats compares
	s32 wave_[kWave] = {};
	u32 wave_head_ = 0, wave_count_ = 0, wave_stride_ = 1, wave_phase_ = 0;
	s64 wave_last_ = 0;
	Segment seg_ = {}, seg_ring_[kRing] = {};
	s64 shape1_ = 0, shape2_ = 0;	  // the IR low-passed alone (Q8 codes)
	s64 seg_rise_ = 0, seg_fall_ = 0; // the current beat's largest slope of it either way
	u32 seg_head_ = 0, seg_count_ = 0;
	// results
	bool hr_valid_ = false, spo2_valid_ = false, evaluated_ = false;
	u32 hr_mbpm_ = 0, spo2_mpct_ = 0, confidence_ = 0;
	s64 corr_q16_ = 0, ratio_q16_ = 0;
};

static_assert(sizeof(Estimator) <= sizeof(mxrt_vitals), "raise MXRT_VITALS_STATE_BYTES");
static_assert(alignof(Estimator) <= alignof(mxrt_vitals));

Estimator *State(mxrt_vitals *v) { return reinterpret_cast<Estimator *>(v->opaque); }
const Estimator *State(const mxrt_vitals *v) { return reinterpret_cast<const Estimator *>(v->opaque); }

} // namespace
} // namespace mxrt::max30102

using mxrt::max30102::Estimator;
using mxrt::max30102::State;

extern "C" {

void mxrt_vitals_config_default(mxrt_vitals_config *c) noexcept {
	// The calibration line: docs/vitals.md, "Calibration".
	c->spo2_a_milli = MXRT_VITALS_SPO2_A_MILLI;
	c->spo2_b_milli = MXRT_VITALS_SPO2_B_MILLI;
	// 1/16 and 1/32 of the 18-bit full scale: a fingertip returns far more, air far less.
	c->finger_on_level = 16384;
	c->finger_off_level = 8192;
}

int mxrt_vitals_config_validate(const mxrt_vitals_config *c) noexcept {
	if (c->spo2_a_milli < 50'000 || c->spo2_a_milli > 200'000 || c->spo2_b_milli < 1 || c->spo2_b_milli > 100'000 ||
	    c->finger_on_level > (1u << 18) || c->finger_off_level >= c->finger_on_level)
		return -MXRT_EINVAL;
	return 0;
}

int mxrt_vitals_init(mxrt_vitals *v, const mxrt_vitals_config *c) noexcept {
	if (mxrt_vitals_config_validate(c) != 0)
		return -MXRT_EINVAL;
	new (v->opaque) Estimator(*c);
	return 0;
}

void mxrt_vitals_config_finger(mxrt_vitals_config *c, mxrt_u32 led_ua, mxrt_u32 adc_range_na) noexcept {
	// codes = nA per mA x mA / range x 2^18 (u64: at most 40 x 2^32 x 2^18)
	const mxrt_u64 range = adc_range_na ? adc_range_na : 1;
	mxrt_u64 on = (mxrt_u64(MXRT_VITALS_FINGER_ON_NA_PER_MA) * led_ua << 18) / (1000 * range);
	if (on < MXRT_VITALS_FINGER_MIN_CODES)
		on = MXRT_VITALS_FINGER_MIN_CODES;
	if (on > (1u << 17))
		on = 1u << 17;
	c->finger_on_level = mxrt_u32(on);
	c->finger_off_level = mxrt_u32(on / 2);
}

int mxrt_vitals_set_sensor(mxrt_vitals *v, const mxrt_max30102_config *chip) noexcept {
	mxrt_vitals_config c = State(v)->Config();
	using PulseLeds = Estimator::PulseLeds;
	const bool hr_mode = (chip->mode & MAX30102_MODE) == MAX30102_MODE_HR;
	// the pulse channel from the LEDs that are on: the finger thresholds are that LED's
	PulseLeds ch = PulseLeds::kBoth;
	if (hr_mode || (chip->ir_current_ua == 0 && chip->red_current_ua > 0))
		ch = PulseLeds::kRed;
	else if (chip->red_current_ua == 0 && chip->ir_current_ua > 0)
		ch = PulseLeds::kIr;
	mxrt_vitals_config_finger(&c, ch == PulseLeds::kRed ? chip->red_current_ua : chip->ir_current_ua, chip->adc_range_na);
	const mxrt_vitals_config &old = State(v)->Config();
	// kAuto reads as both while IR is on: taking kBoth for it changes nothing measured
	const PulseLeds was = State(v)->pulse_leds();
	if (c.finger_on_level == old.finger_on_level && c.finger_off_level == old.finger_off_level &&
	    (ch == was || (was == PulseLeds::kAuto && ch == PulseLeds::kBoth))) {
		State(v)->set_pulse_leds(ch);
		return 0;
	}
	State(v)->set_pulse_leds(ch);
	State(v)->Reconfigure(c);
	return 1;
}

void mxrt_vitals_get_config(const mxrt_vitals *v, mxrt_vitals_config *c) noexcept { *c = State(v)->Config(); }

void mxrt_vitals_reset(mxrt_vitals *v) noexcept { State(v)->Reset(); }

int mxrt_vitals_field(const mxrt_vitals_out *o, int present, mxrt_u32 field, mxrt_u32 *value) noexcept {
	*value = 0;
	if (!present)
		return -MXRT_ENODATA;
	switch (field) {
	case MXRT_VITALS_FIELD_HR:
		if (!(o->flags & MXRT_VITALS_HR_VALID))
			return -MXRT_ENODATA;
		*value = o->hr_mbpm;
		return 0;
	case MXRT_VITALS_FIELD_SPO2:
		if (!(o->flags & MXRT_VITALS_SPO2_VALID))
			return -MXRT_ENODATA;
		*value = o->spo2_mpct;
		return 0;
	case MXRT_VITALS_FIELD_CONFIDENCE:
		*value = (o->flags & MXRT_VITALS_HR_VALID) ? o->confidence : 0;
		return 0;
	case MXRT_VITALS_FIELD_FINGER:
		if (!(o->flags & MXRT_VITALS_FINGER_VALID))
			return -MXRT_ENODATA;
		*value = (o->flags & MXRT_VITALS_FINGER) ? 1 : 0;
		return 0;
	default:
		return -MXRT_EINVAL;
	}
}

void mxrt_vitals_event_values(const mxrt_vitals_out *o, mxrt_s32 ev[MXRT_VITALS_EVENTS]) noexcept {
	const bool hr = o->flags & MXRT_VITALS_HR_VALID, spo2 = o->flags & MXRT_VITALS_SPO2_VALID;
	const mxrt_u32 hr_d = hr ? (o->hr_mbpm + 50) / 100 : 0, spo2_d = spo2 ? (o->spo2_mpct + 50) / 100 : 0;
	ev[MXRT_VITALS_EV_HR] = mxrt_s32(hr_d < MXRT_VITALS_EV_HR_MAX ? hr_d : MXRT_VITALS_EV_HR_MAX);
	ev[MXRT_VITALS_EV_SPO2] = mxrt_s32(spo2_d < MXRT_VITALS_EV_SPO2_MAX ? spo2_d : MXRT_VITALS_EV_SPO2_MAX);
	ev[MXRT_VITALS_EV_CONFIDENCE] = hr ? mxrt_s32(o->confidence) : 0;
	ev[MXRT_VITALS_EV_FINGER] = (o->flags & MXRT_VITALS_FINGER_VALID) && (o->flags & MXRT_VITALS_FINGER) ? 1 : 0;
}

int mxrt_vitals_push(mxrt_vitals *v, const mxrt_max30102_record *rec, mxrt_u64 period_ns) noexcept {
	return State(v)->Push(*rec, period_ns);
}

int mxrt_vitals_push_n(mxrt_vitals *v, const mxrt_max30102_record *rec, mxrt_u32 n, mxrt_u64 period_ns) noexcept {
	return State(v)->PushN(rec, n, period_ns);
}

void mxrt_vitals_get(const mxrt_vitals *v, mxrt_vitals_out *out) noexcept { State(v)->Get(out); }

void mxrt_vitals_get_trace(const mxrt_vitals *v, mxrt_vitals_trace *t) noexcept { State(v)->Trace(t); }

// --- the latest-values snapshot: the project's seqlock (kernel/lib/kstd/seqlock.hpp) ---------
// The data section is `present` and `out` (5 words), copied with SeqStore/SeqLoad between the
// count's WriteBegin/WriteEnd and ReadBegin/ReadRetry.

static_assert(sizeof(mxrt_vitals_out) % 8 == 0 && alignof(mxrt_vitals_snapshot) == 8);
static_assert(__builtin_offsetof(mxrt_vitals_snapshot, out) == __builtin_offsetof(mxrt_vitals_snapshot, present) + 8);

namespace {

struct SnapshotData {
	mxrt_u64 present;
	mxrt_vitals_out out;
};
static_assert(sizeof(SnapshotData) == sizeof(mxrt_vitals_snapshot) - __builtin_offsetof(mxrt_vitals_snapshot, present));

void SnapshotWrite(mxrt_vitals_snapshot *s, const SnapshotData &d) {
	const kstd::SeqCountRef seq(s->seq);
	seq.WriteBegin();
	kstd::SeqStore(&s->present, &d, sizeof(d));
	seq.WriteEnd();
}

} // namespace

void mxrt_vitals_snapshot_init(mxrt_vitals_snapshot *s) noexcept { *s = {}; }

int mxrt_vitals_snapshot_differs(const mxrt_vitals_snapshot *s, const mxrt_vitals_out *out) noexcept {
	// the writer's own data: plain reads (no other thread writes it)
	const mxrt_vitals_out &o = s->out;
	return !s->present || o.timestamp_ns != out->timestamp_ns || o.seq != out->seq || o.hr_mbpm != out->hr_mbpm ||
	       o.spo2_mpct != out->spo2_mpct || o.confidence != out->confidence || o.flags != out->flags;
}

void mxrt_vitals_snapshot_publish(mxrt_vitals_snapshot *s, const mxrt_vitals_out *out) noexcept {
	SnapshotWrite(s, SnapshotData{1, *out});
}

void mxrt_vitals_snapshot_clear(mxrt_vitals_snapshot *s) noexcept { SnapshotWrite(s, SnapshotData{}); }

int mxrt_vitals_snapshot_read(const mxrt_vitals_snapshot *s, mxrt_vitals_out *out) noexcept {
	const kstd::SeqCountRef seq(const_cast<mxrt_u64 &>(s->seq));
	SnapshotData d;
	mxrt_u64 begin;
	do {
		begin = seq.ReadBegin();
		kstd::SeqLoad(&d, &s->present, sizeof(d));
	} while (seq.ReadRetry(begin));
	*out = d.present ? d.out : mxrt_vitals_out{};
	return d.present ? 1 : 0;
}

} // extern "C"
