// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. Implements ppg_sim.hpp.
//
// The pulse: light through a fingertip falls when the arterial blood volume rises (Pulse() below);
// the light is
// DC * (1 - perfusion * pulse) for IR and DC_red * (1 - perfusion * R * pulse) for red, R from the
// calibration line, so the set SpO2 is exactly what a perfect estimator reports.
#include "ppg_sim.hpp"
#include "../lib/decimal.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <sstream>

namespace mxrt::vitals_eval {
namespace {

// Blood volume over one cardiac cycle (0..1) at phase [0, 1) of a beat period_s long: a fast
// systolic rise (a raised cosine over ~0.1-0.2 s, nearly independent of the heart rate, as in
// real pulses), an exponential run-off that reaches 0 at the next beat, and a small dicrotic wave.
double Pulse(double phase, double period_s) {
	const double t = phase * period_s;
	const double rise = std::min(0.3 * period_s, 0.08 + 0.08 * period_s);
	if (t < rise)
		return 0.5 * (1 - std::cos(M_PI * t / rise));
	const double tau = 0.35 * period_s, end = std::exp(-(period_s - rise) / tau);
	const double run_off = (std::exp(-(t - rise) / tau) - end) / (1 - end);
	const double d = (t - rise - 0.3 * period_s) / (0.06 * period_s);
	return run_off + 0.1 * std::exp(-d * d / 2) * (1 - phase);
}

} // namespace

SimParams SimParams::Parse(const std::string &spec) {
	SimParams p;
	std::istringstream in(spec);
	std::string kv;
	std::set<std::string> seen;
	// getline drops a trailing comma's empty item: "hr=72," was taken
	if (spec.empty() || spec.back() == ',')
		throw BadInput("--sim: '" + spec + "' has an empty KEY=VALUE");
	while (std::getline(in, kv, ',')) {
		const auto eq = kv.find('=');
		if (eq == std::string::npos)
			throw BadInput("--sim: '" + kv + "' is not KEY=VALUE");
		const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
		// a key given twice: the last one won without a word (step is a list: each one counts)
		if (k != "step" && !seen.insert(k).second)
			throw BadInput("--sim: " + k + " is given twice in '" + spec + "'");
		auto num = [&](double lo, double hi) {
			double d = 0;
			if (!mxrt::cli::DecimalReal(v, &d) || !(d >= lo && d <= hi))
				throw BadInput("--sim: " + k + " must be a number in [" + std::to_string(lo) + ", " +
					       std::to_string(hi) + "], not '" + v + "'");
			return d;
		};
		if (k == "hr") p.hr_bpm = num(20, 300);
		else if (k == "spo2") p.spo2 = num(50, 100);
		else if (k == "rate") p.rate_hz = num(1, 3200);
		else if (k == "seconds") p.seconds = num(0.1, 86400);
		else if (k == "bits") {
			const double b = num(15, 18);
			if (b != std::floor(b))
				throw BadInput("--sim: bits must be 15, 16, 17 or 18, not '" + v + "'");
			p.adc_bits = unsigned(b);
		}
		else if (k == "dc") p.dc = num(0, 1);
		else if (k == "perfusion") p.perfusion = num(0, 0.5);
		else if (k == "noise") p.noise = num(0, 100);
		else if (k == "wander") p.wander = num(0, 100);
		else if (k == "motion") p.motion_per_min = num(0, 60);
		else if (k == "motion_size") p.motion_size = num(0, 1000);
		else if (k == "finger_on") p.finger_on_s = num(0, 86400);
		else if (k == "finger_off") p.finger_off_s = num(0, 86400);
		else if (k == "seed") {
			unsigned long long seed = 0;
			if (!mxrt::cli::Decimal(v, 0, 1000000000000000ull, &seed))
				throw BadInput("--sim: seed must be a whole number in [0, 1e15], not '" + v + "'");
			p.seed = seed;
		}
		else if (k == "step") {
			SimStep s;
			double parts[3];
			if (!mxrt::cli::DecimalReals(v, ':', 3, parts))
				throw BadInput("--sim: step must be AT:HR:SPO2, not '" + v + "'");
			s.at_s = parts[0];
			s.hr_bpm = parts[1];
			s.spo2 = parts[2];
			// the same ranges as seconds, hr and spo2 (a step to 0 or 1e9 bpm is no signal)
			if (!(s.at_s >= 0 && s.at_s <= 86400) || !(s.hr_bpm >= 20 && s.hr_bpm <= 300) ||
			    !(s.spo2 >= 50 && s.spo2 <= 100))
				throw BadInput("--sim: step AT:HR:SPO2 needs AT in [0, 86400] s, HR in [20, 300] bpm and SpO2 in "
					       "[50, 100] %, not '" + v + "'");
			p.steps.push_back(s);
		} else
			throw BadInput("--sim: unknown key '" + k + "'");
	}
	// Every record and output is kept: at most kMaxRecords (the caller holds all runs together to
	// it too), and at least one record.
	if (p.Records() > kMaxRecords)
		throw BadInput("--sim: seconds x rate is " + std::to_string(p.Records()) + " records, more than " +
			       std::to_string(kMaxRecords) + " (an hour at 3200 Hz; each is kept in memory)");
	if (p.Records() == 0)
		throw BadInput("--sim: seconds x rate is less than one record");
	// Settings that could never take effect were taken, and the run scored as if they had: a step
	// after the last record named the run "-step45:120:85" and simulated none (one between the
	// last record and `seconds` still set the reference, the truth at the end: a right estimate
	// scored 48 bpm off), a finger_off before finger_on or after the last record took no finger
	// off. (finger_on after the last record is a run without a finger, which has its uses.)
	auto secs = [](double v) {
		std::ostringstream o;
		o.precision(15);
		o << v;
		return o.str();
	};
	// the last record's time, as Simulate computes it
	const double last_s = double(p.Records() - 1) * (double(p.PeriodNs()) * 1e-9);
	const std::string after = " s is after the run's last record, at " + secs(last_s) + " s (seconds=" +
				  secs(p.seconds) + " at " + secs(p.rate_hz) + " Hz): it would change nothing";
	for (const SimStep &st : p.steps)
		if (st.at_s > last_s)
			throw BadInput("--sim: a step at " + secs(st.at_s) + after);
	if (p.finger_off_s >= 0 && p.finger_off_s <= p.finger_on_s)
		throw BadInput("--sim: finger_off (" + secs(p.finger_off_s) + " s) must come after finger_on (" +
			       secs(p.finger_on_s) + " s)");
	if (p.finger_off_s > last_s)
		throw BadInput("--sim: finger_off at " + secs(p.finger_off_s) + after);
	// stable: of two steps at the same time, the later one given wins
	std::stable_sort(p.steps.begin(), p.steps.end(), [](auto &a, auto &b) { return a.at_s < b.at_s; });
	return p;
}

uint64_t SimParams::PeriodNs() const { return uint64_t(std::llround(1e9 / rate_hz)); }

uint64_t SimParams::Records() const { return uint64_t(seconds / (double(PeriodNs()) * 1e-9)); }

// The truth and the rate, then every other field that is not its default (in the keys' order,
// steps as given): two runs that differ in anything get different names, so that the rows of
// --csv say which is which.
std::string SimParams::Name() const {
	const SimParams d;
	std::ostringstream s;
	s.precision(15); // every value given with up to 15 digits apart (0.1 still prints as 0.1)
	s << "sim-hr" << hr_bpm << "-spo" << spo2 << "-" << rate_hz << "hz";
	auto add = [&](const char *key, double v, double def) {
		if (v != def)
			s << "-" << key << v;
	};
	if (seconds != d.seconds)
		s << "-" << seconds << "s";
	add("bits", adc_bits, d.adc_bits);
	add("dc", dc, d.dc);
	add("perfusion", perfusion, d.perfusion);
	add("noise", noise, d.noise);
	add("wander", wander, d.wander);
	add("motion", motion_per_min, d.motion_per_min);
	add("motion_size", motion_size, d.motion_size);
	add("finger_on", finger_on_s, d.finger_on_s);
	add("finger_off", finger_off_s, d.finger_off_s);
	if (seed != d.seed)
		s << "-seed" << seed;
	for (const SimStep &st : steps)
		s << "-step" << st.at_s << ":" << st.hr_bpm << ":" << st.spo2;
	return s.str();
}

SimStep TruthAt(const SimParams &p, double t_s) {
	SimStep now{0, p.hr_bpm, p.spo2};
	for (const auto &s : p.steps)
		if (s.at_s <= t_s)
			now = s;
	return now;
}

Recording Simulate(const SimParams &p, const mxrt_vitals_config &cal) {
	Recording rec;
	rec.name = p.Name();
	rec.period_ns = p.PeriodNs();
	const auto end = TruthAt(p, p.seconds);
	rec.ref.hr = end.hr_bpm;
	rec.ref.spo2 = end.spo2;
	std::mt19937_64 rng(p.seed);
	std::normal_distribution<double> gauss(0, 1);
	std::uniform_real_distribution<double> uni(0, 1);
	const double full = double((1u << p.adc_bits) - 1);
	const double dt = double(rec.period_ns) * 1e-9;
	const size_t n = size_t(p.Records());
	double phase = uni(rng), wander_phase = uni(rng);
	// motion: bursts at random times (a Poisson process), each a few random slow swings
	double next_motion = p.motion_per_min > 0 ? -std::log(1 - uni(rng)) * 60 / p.motion_per_min : 1e300;
	double motion_end = -1, m_f1 = 0, m_f2 = 0, m_p1 = 0, m_p2 = 0, m_a = 0, m_red = 1;
	rec.records.reserve(n);
	for (size_t i = 0; i < n; i++) {
		const double t = double(i) * dt;
		const SimStep truth = TruthAt(p, t);
		phase += truth.hr_bpm / 60 * dt;
		phase -= std::floor(phase);
		wander_phase += 0.25 * dt;
		const double r = (cal.spo2_a_milli - truth.spo2 * 1000) / cal.spo2_b_milli;
		const double pulse = Pulse(phase, 60 / truth.hr_bpm);
		const bool finger = t >= p.finger_on_s && (p.finger_off_s < 0 || t < p.finger_off_s);
		double ir, red;
		if (finger) {
			const double amp = p.perfusion; // relative pulse amplitude
			double common = 1 + p.wander * amp * 0.5 * std::sin(2 * M_PI * wander_phase);
			if (t >= next_motion) {
				motion_end = t + 1.5;
				m_f1 = 0.5 + 3 * uni(rng);
				m_f2 = 0.5 + 3 * uni(rng);
				m_p1 = uni(rng) * 2 * M_PI;
				m_p2 = uni(rng) * 2 * M_PI;
				m_a = p.motion_size * amp * (0.5 + uni(rng));
				m_red = 0.8 + 0.4 * uni(rng); // motion is not quite the same in both channels
				next_motion = t + 1.5 - std::log(1 - uni(rng)) * 60 / p.motion_per_min;
			}
			double motion = 0;
			if (t < motion_end) {
				const double w = std::sin(M_PI * (motion_end - t) / 1.5); // smooth in and out
				motion = m_a * w * (0.6 * std::sin(2 * M_PI * m_f1 * t + m_p1) + 0.4 * std::sin(2 * M_PI * m_f2 * t + m_p2));
			}
			ir = p.dc * (common + motion) * (1 - amp * pulse);
			red = 0.85 * p.dc * (common + motion * m_red) * (1 - amp * r * pulse);
			ir += p.noise * amp * p.dc * gauss(rng);
			red += p.noise * amp * 0.85 * p.dc * gauss(rng);
		} else { // some ambient light through nothing
			ir = 0.01 + 0.001 * gauss(rng);
			red = 0.008 + 0.001 * gauss(rng);
		}
		mxrt_max30102_record rr = {};
		rr.seq = p.start_seq + i;
		rr.timestamp_ns = p.start_ns + uint64_t(i) * rec.period_ns;
		rr.red = uint32_t(std::clamp(std::round(red * full), 0.0, full));
		rr.ir = uint32_t(std::clamp(std::round(ir * full), 0.0, full));
		rr.adc_bits = uint16_t(p.adc_bits);
		if (i == 0)
			rr.flags = MXRT_MAX30102_REC_RESTART;
		rec.records.push_back(rr);
	}
	return rec;
}

} // namespace mxrt::vitals_eval
