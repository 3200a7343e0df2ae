// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. Implements evaluate.hpp.
#include "evaluate.hpp"

#include <cstring>

#include <algorithm>
#include <cmath>

namespace mxrt::vitals_eval {

Estimates Evaluate(const Recording &rec, const mxrt_vitals_config &cal, Trace trace) {
	Estimates run;
	mxrt_vitals v;
	if (mxrt_vitals_init(&v, &cal) != 0)
		throw BadInput("the calibration is out of range");
	if (rec.records.empty())
		return run;
	// Time from the first record, counted in samples at each segment's own period (a record
	// stream saved across a change of rate holds several): seg_t0[k] is when segment k's first
	// sequence number falls, the previous segment's count carried on to it.
	const std::vector<Segment> segs = SegmentsOf(rec);
	std::vector<double> seg_t0(segs.size(), 0);
	for (size_t k = 1; k < segs.size(); k++)
		seg_t0[k] = seg_t0[k - 1] + double(rec.records[segs[k].first].seq - rec.records[segs[k - 1].first].seq) *
						    double(segs[k - 1].period_ns) * 1e-9;
	auto time_of = [&](double seq) { // the segment holding seq: the last that starts at or before it
		size_t k = segs.size() - 1;
		while (k > 0 && double(rec.records[segs[k].first].seq) > seq)
			k--;
		return seg_t0[k] + (seq - double(rec.records[segs[k].first].seq)) * double(segs[k].period_ns) * 1e-9;
	};
	uint64_t beats = 0, internal = 0;
	size_t both = 0, seg = 0;
	run.outputs.reserve(rec.records.size());
	for (size_t i = 0; i < rec.records.size(); i++) {
		const auto &r = rec.records[i];
		if (seg + 1 < segs.size() && i == segs[seg + 1].first)
			seg++;
		if (mxrt_vitals_push(&v, &r, segs[seg].period_ns) < 0) {
			run.rejected++;
			continue;
		}
		mxrt_vitals_out o;
		mxrt_vitals_get(&v, &o);
		if (run.published.empty() || std::memcmp(&run.published.back(), &o, sizeof(o)) != 0)
			run.published.push_back(o);
		mxrt_vitals_trace tr;
		mxrt_vitals_get_trace(&v, &tr);
		Output out{time_of(double(r.seq)), {}, {}, o.confidence, o.flags};
		if (o.flags & MXRT_VITALS_HR_VALID)
			out.hr = o.hr_mbpm / 1000.0;
		if (o.flags & MXRT_VITALS_SPO2_VALID)
			out.spo2 = o.spo2_mpct / 1000.0;
		if (out.hr && out.spo2) {
			both++;
			if (!run.first_valid_s)
				run.first_valid_s = out.t_s;
		}
		if (out.hr)
			run.hr = out.hr;
		if (out.spo2) {
			run.spo2 = out.spo2;
			run.ratio = tr.ratio_milli / 1000.0;
		}
		run.outputs.push_back(out);
		if (tr.beats != beats) {
			beats = tr.beats;
			run.beats.push_back({time_of(double(tr.last_beat_seq_q8) / 256), tr.last_beat_accepted != 0});
		}
		if (trace == Trace::kYes && tr.internal_samples != internal) {
			internal = tr.internal_samples;
			run.trace_t.push_back(out.t_s);
			run.trace_ir.push_back(double(tr.ir_filtered) / 256);
			run.trace_threshold.push_back(double(tr.slope_threshold) / 256);
			run.trace_slope.push_back(double(tr.slope) / 256);
		}
	}
	run.valid_share = double(both) / double(rec.records.size());
	return run;
}

Stats Score(const std::vector<std::optional<double>> &est, const std::vector<std::optional<double>> &ref,
	    double tolerance) {
	Stats s;
	double abs_sum = 0, sum = 0;
	size_t within = 0;
	for (size_t i = 0; i < est.size() && i < ref.size(); i++) {
		if (!ref[i])
			continue;
		if (!est[i]) {
			s.missing++;
			continue;
		}
		const double e = *est[i] - *ref[i];
		s.n++;
		abs_sum += std::fabs(e);
		sum += e;
		within += std::fabs(e) <= tolerance + 1e-9;
	}
	if (s.n) {
		s.mae = abs_sum / double(s.n);
		s.bias = sum / double(s.n);
		s.within = double(within) / double(s.n);
	}
	return s;
}

namespace {

// OwnPulseRate's constants (docs/vitals.md, "The recordings")
constexpr double kInternalS = 0.02;  // averaged to 50 Hz or more: the pulse has nothing above ~10 Hz
constexpr double kSettleS = 0.125;   // a file's first samples can settle (the data's README)
constexpr double kWarmupS = 0.625;   // filter output dropped: two time constants at 0.5 Hz
constexpr double kMinSpanS = 1.5;    // left after both: about two beats at 80 bpm
constexpr double kLevelS = 1.0;      // the window of the amplitude normalisation (below)
constexpr double kMaxGapS = 0.1;     // a longer gap in seq splits the file, as in the estimator
constexpr double kFingerHoldS = 0.1; // the finger is off once its level stayed under off this long
constexpr double kMinLagS = 0.24;    // 250 bpm ...
constexpr double kMaxLagS = 2.0;     // ... 30 bpm, the estimator's range
constexpr double kMinOverlapS = 0.5; // a lag is compared over at least this and at least itself
constexpr double kMinRepeat = 0.5;   // a peak's correlation: a pulse that repeats
constexpr unsigned kMaxMultiple = 4; // the best peak may be up to 4 periods (below) ...
constexpr double kMultipleShare = 0.5; // ... when the period's own peak is at least half as high

// One backward-Euler pole, as the estimator's (there in fixed point)
struct Pole {
	double y, a;
	double operator()(double x) { return y += (x - y) * a; }
};

// The longest stretch of a recording with the finger on and no gap over kMaxGapS, averaged to
// the internal rate as it is read (held values fill shorter gaps without being stored one by
// one, so no input makes it larger than the records it came from)
class Stretches {
public:
	Stretches(size_t d, uint64_t max_gap, size_t hold) : d_(d), max_gap_(max_gap), hold_(hold) {}
	// A sample at `level` with the finger on, after `gap` lost ones
	void Add(double level, uint64_t gap) {
		if (gap > max_gap_)
			End(false);
		else if (!cur_.empty() || fill_ > 0)
			Put(last_, gap);
		Put(level, 1);
		last_ = level;
	}
	// A sample under the finger-off level, with the finger (still) on: held over like a lost
	// one (a step that deep would ring through the filters) unless the level stays under it for
	// the hold time, which ends the stretch before the first such sample
	void Dip(uint64_t gap) {
		if (dip_ == 0)
			dip_start_ = cur_.size();
		dip_ += gap + 1;
		Add(last_, gap);
	}
	void Steady() { dip_ = 0; }
	bool Dipped() const { return dip_ > hold_; }
	void End(bool dipped) {
		if (dipped && dip_ > 0)
			cur_.resize(std::min(cur_.size(), dip_start_));
		if (cur_.size() > best_.size())
			best_.swap(cur_);
		cur_.clear();
		sum_ = 0;
		fill_ = 0;
		dip_ = 0;
	}
	const std::vector<double> &Best() { return End(false), best_; }

private:
	void Put(double v, uint64_t n) { // n samples at v
		while (n > 0) {
			const uint64_t m = std::min<uint64_t>(n, d_ - fill_);
			sum_ += v * double(m);
			fill_ += m;
			n -= m;
			if (fill_ == d_) {
				cur_.push_back(sum_ / double(d_));
				sum_ = 0;
				fill_ = 0;
			}
		}
	}
	const size_t d_;
	const uint64_t max_gap_;
	const size_t hold_;
	std::vector<double> best_, cur_;
	double sum_ = 0, last_ = 0;
	uint64_t fill_ = 0, dip_ = 0;
	size_t dip_start_ = 0;
};

} // namespace

std::optional<double> OwnPulseRate(const Recording &rec, const mxrt_vitals_config &cal) {
	if (rec.segments.size() > 1) { // at several rates: the segment with the most records
		size_t best = 0, most = 0;
		for (size_t k = 0; k < rec.segments.size(); k++) {
			const size_t end = k + 1 < rec.segments.size() ? rec.segments[k + 1].first : rec.records.size();
			if (end - rec.segments[k].first > most) {
				most = end - rec.segments[k].first;
				best = k;
			}
		}
		Recording one;
		one.period_ns = rec.segments[best].period_ns;
		one.records.assign(rec.records.begin() + ptrdiff_t(rec.segments[best].first),
				   rec.records.begin() + ptrdiff_t(rec.segments[best].first + most));
		return OwnPulseRate(one, cal);
	}
	// the estimator's bounds on the period (312.5 us..1 s) and its measuring floor (12.5 Hz)
	if (rec.records.empty() || rec.period_ns < 312'500 || rec.period_ns > 80'000'000)
		return std::nullopt;
	const double t = double(rec.period_ns) * 1e-9;
	const bool red_only = std::all_of(rec.records.begin(), rec.records.end(),
					  [](const mxrt_max30102_record &r) { return r.ir == 0; });
	auto level = [&](const mxrt_max30102_record &r) { // 18-bit codes
		const uint32_t v = red_only ? r.red : r.ir;
		return r.adc_bits >= 15 && r.adc_bits <= 18 ? v << (18 - r.adc_bits) : 0u;
	};
	const size_t d = std::max<size_t>(1, size_t(kInternalS / t));
	const double ti = t * double(d);
	// The finger by the estimator's thresholds: on at finger_on_level, off once under
	// finger_off_level for kFingerHoldS (a shorter dip stays in the stretch)
	Stretches st(d, uint64_t(kMaxGapS / t), size_t(kFingerHoldS / t));
	bool finger = false;
	for (size_t i = 0; i < rec.records.size(); i++) {
		const auto &r = rec.records[i];
		const bool back = i > 0 && r.seq <= rec.records[i - 1].seq; // Read() refuses these
		const uint64_t gap = i == 0 || back ? 0 : r.seq - rec.records[i - 1].seq - 1;
		if (back)
			st.End(false);
		const uint32_t v = level(r);
		if (!finger) {
			finger = v >= cal.finger_on_level;
			if (finger)
				st.Add(double(v), gap);
			else
				st.End(false);
		} else if (v < cal.finger_off_level) {
			st.Dip(gap);
			if (st.Dipped()) {
				st.End(true);
				finger = false;
			}
		} else {
			st.Steady();
			st.Add(double(v), gap);
		}
	}
	const std::vector<double> &x = st.Best();
	const size_t settle = size_t(kSettleS / ti);
	if (x.size() <= settle)
		return std::nullopt;
	// Band-pass 0.5..4 Hz (two poles each way), the estimator's band, seeded at the first value
	const double a_hp = ti / (1 / (2 * M_PI * 0.5) + ti), a_lp = ti / (1 / (2 * M_PI * 4.0) + ti);
	Pole hp1{x[settle], a_hp}, hp2{0, a_hp}, lp1{0, a_lp}, lp2{0, a_lp};
	const size_t warmup = size_t(kWarmupS / ti);
	std::vector<double> y;
	for (size_t i = settle; i < x.size(); i++) {
		const double h1 = x[i] - hp1(x[i]);
		const double v = lp2(lp1(h1 - hp2(h1)));
		if (i - settle >= warmup)
			y.push_back(v);
	}
	const size_t n = y.size();
	if (double(n) * ti < kMinSpanS)
		return std::nullopt;
	// Each value over the RMS of the kLevelS around it, so that a motion burst (large, and not
	// repeating) weighs no more than any other second of the file
	std::vector<double> sq(n + 1, 0);
	for (size_t i = 0; i < n; i++)
		sq[i + 1] = sq[i] + y[i] * y[i];
	const size_t half = size_t(kLevelS / 2 / ti);
	std::vector<double> z(n, 0);
	for (size_t i = 0; i < n; i++) {
		const size_t a = i > half ? i - half : 0, b = std::min(n, i + half + 1);
		const double ms = (sq[b] - sq[a]) / double(b - a);
		z[i] = ms > 0 ? y[i] / std::sqrt(ms) : 0;
	}
	// Pearson correlation of the file with itself shifted by each lag
	const size_t lo = std::max<size_t>(2, size_t(std::ceil(kMinLagS / ti))), hi = size_t(kMaxLagS / ti);
	const size_t min_overlap = size_t(std::ceil(kMinOverlapS / ti));
	std::vector<double> r(hi + 2, -2);
	for (size_t lag = lo - 1; lag <= hi + 1 && lag < n; lag++) {
		const size_t m = n - lag;
		if (m < std::max(lag, min_overlap))
			break;
		double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
		for (size_t i = 0; i < m; i++) {
			const double a = z[i], b = z[i + lag];
			sa += a;
			sb += b;
			saa += a * a;
			sbb += b * b;
			sab += a * b;
		}
		const double va = saa - sa * sa / double(m), vb = sbb - sb * sb / double(m);
		if (va > 0 && vb > 0)
			r[lag] = (sab - sa * sb / double(m)) / std::sqrt(va * vb);
	}
	// The peaks: local maxima with both neighbours computed, at `floor` or more
	auto peak = [&](size_t l, double floor) {
		return l >= lo && l <= hi && r[l] >= floor && r[l - 1] > -2 && r[l + 1] > -2 &&
		       r[l] >= r[l - 1] && r[l] >= r[l + 1];
	};
	size_t best = 0;
	for (size_t l = lo; l <= hi; l++)
		if (peak(l, kMinRepeat) && (best == 0 || r[l] > r[best]))
			best = l;
	if (best == 0)
		return std::nullopt;
	// A pulse repeats at every multiple of its period, and motion or a changing beat can make a
	// multiple the best peak: the period is the shortest best / k (k up to kMaxMultiple) with a
	// peak of its own of at least half the best one's correlation. (For a pulse of period best,
	// best / 2 and best / 3 fall on its troughs: the correlation there is negative, no peak.)
	size_t lag = best;
	for (unsigned k = kMaxMultiple; k >= 2 && lag == best; k--) {
		const double c = double(best) / k, w = std::max(1.0, 0.1 * c);
		for (size_t l = size_t(std::max(0.0, std::ceil(c - w))); l <= size_t(c + w); l++)
			if (peak(l, kMultipleShare * r[best]) && (lag == best || r[l] > r[lag]))
				lag = l;
	}
	const double den = r[lag - 1] - 2 * r[lag] + r[lag + 1]; // a parabola through the three
	const double off = den < 0 ? std::clamp(0.5 * (r[lag - 1] - r[lag + 1]) / den, -0.5, 0.5) : 0;
	return 60 / ((double(lag) + off) * ti);
}

std::optional<Line> FitLine(const std::vector<double> &r, const std::vector<double> &spo2) {
	const size_t n = r.size();
	if (n < 2 || spo2.size() != n)
		return std::nullopt;
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += r[i];
		my += spo2[i];
	}
	mx /= double(n);
	my /= double(n);
	double sxx = 0, sxy = 0;
	for (size_t i = 0; i < n; i++) {
		sxx += (r[i] - mx) * (r[i] - mx);
		sxy += (r[i] - mx) * (spo2[i] - my);
	}
	if (sxx <= 0)
		return std::nullopt;
	const double slope = sxy / sxx; // spo2 = my + slope (r - mx)
	return Line{my - slope * mx, -slope};
}

std::optional<Line> FitSlope(const std::vector<double> &r, const std::vector<double> &spo2, double a) {
	// minimise sum (a - b r - y)^2: b = sum r (a - y) / sum r^2
	double num = 0, den = 0;
	for (size_t i = 0; i < r.size() && i < spo2.size(); i++) {
		num += r[i] * (a - spo2[i]);
		den += r[i] * r[i];
	}
	if (r.empty() || r.size() != spo2.size() || den <= 0)
		return std::nullopt;
	return Line{a, num / den};
}

} // namespace mxrt::vitals_eval
