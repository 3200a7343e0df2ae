// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. Implements evaluate.hpp.
#include "evaluate.hpp"

#include <cstring>

#include <cmath>

namespace mxrt::vitals_eval {

Estimates Evaluate(const Recording &rec, const mxrt_vitals_config &cal, Trace trace) {
	Estimates run;
	mxrt_vitals v;
	if (mxrt_vitals_init(&v, &cal) != 0)
		throw BadInput("the calibration is out of range");
	if (rec.records.empty())
		return run;
	const uint64_t seq0 = rec.records.front().seq;
	const double period_s = double(rec.period_ns) * 1e-9;
	uint64_t beats = 0, internal = 0;
	size_t both = 0;
	run.outputs.reserve(rec.records.size());
	for (const auto &r : rec.records) {
		if (mxrt_vitals_push(&v, &r, rec.period_ns) < 0) {
			run.rejected++;
			continue;
		}
		mxrt_vitals_out o;
		mxrt_vitals_get(&v, &o);
		if (run.published.empty() || std::memcmp(&run.published.back(), &o, sizeof(o)) != 0)
			run.published.push_back(o);
		mxrt_vitals_trace tr;
		mxrt_vitals_get_trace(&v, &tr);
		Output out{double(r.seq - seq0) * period_s, {}, {}, o.confidence, o.flags};
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
			run.beats.push_back({(double(tr.last_beat_seq_q8) / 256 - double(seq0)) * period_s,
					     tr.last_beat_accepted != 0});
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
