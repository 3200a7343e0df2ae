// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the build host; bench/vitals/run.sh runs it). What the heart-rate and SpO2
// estimator costs per record, against what the driver's acquisition core already spends on each
// record in the same run: mxrt_acq_burst() of a FIFO burst (the anchor, then mxrt_acq_decode)
// plus mxrt_ring_push_n() of it, the work the interrupt thread does per burst besides the I2C
// transfer. The cores are compiled as the kernel compiles them (no MXRT_HOSTED: plain copies and
// fences in the ring, -O2), over the user-space platform for the ring's allocation.
//
//   vitals-bench time RATE_HZ     ns per record of each side: alternating batches, median
//   vitals-bench count RATE_HZ N  runs N bursts of each side in Acquire() and Estimate(), for
//                                 callgrind to count instructions (bench/vitals/run.sh)
//
// The input is a simulated PPG (72 bpm, 97 %, noise, wander) at RATE_HZ, 18-bit, as the FIFO
// holds it, so the estimator meets beats, commits and evaluations at their real frequency.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <max30102/acq.h>
#include <max30102/regs.h>
#include <max30102/ring.h>
#include <max30102/vitals.h>
#include <mxrt/max30102.h>

namespace {

constexpr unsigned kBurst = 16;	      // records per FIFO burst (the driver's A_FULL default: 17)
constexpr unsigned kSignalBursts = 4096; // a minute and more of signal at 400 Hz, then it repeats

struct Input {
	unsigned rate_hz;
	std::vector<unsigned char> fifo;	    // kSignalBursts * kBurst samples of 6 bytes
	std::vector<mxrt_max30102_record> records; // the same, decoded (what the estimator gets)
};

// The driver's sample rates as the chip's SR x averaging: 400 = 400/1, 64 is not one (the
// recordings' rate: SR 3200 with averaging 50 does not exist), so rates are given as the output
// period the estimator sees; the FIFO bytes only feed the decode side.
Input MakeInput(unsigned rate_hz) {
	Input in;
	in.rate_hz = rate_hz;
	const size_t n = size_t(kSignalBursts) * kBurst;
	in.fifo.resize(n * 6);
	uint32_t rng = 12345;
	auto noise = [&] {
		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		return double(rng % 2001) / 1000.0 - 1.0;
	};
	const double dt = 1.0 / rate_hz, r = (110 - 97) / 31.7;
	double phase = 0;
	for (size_t i = 0; i < n; i++) {
		const double t = double(i) * dt;
		phase += 72.0 / 60 * dt;
		phase -= std::floor(phase);
		const double pulse = phase < 0.15 ? 0.5 * (1 - std::cos(M_PI * phase / 0.15)) : std::exp(-(phase - 0.15) / 0.3);
		const double wander = 1 + 0.01 * std::sin(2 * M_PI * 0.25 * t);
		const uint32_t ir = uint32_t(0.4 * 262143 * wander * (1 - 0.02 * pulse) + 20 * noise());
		const uint32_t red = uint32_t(0.34 * 262143 * wander * (1 - 0.02 * r * pulse) + 20 * noise());
		const uint32_t v[2] = {red, ir}; // SpO2 mode: slot 1 red, slot 2 IR
		for (int c = 0; c < 2; c++) {
			in.fifo[i * 6 + size_t(c) * 3 + 0] = uint8_t(v[c] >> 16);
			in.fifo[i * 6 + size_t(c) * 3 + 1] = uint8_t(v[c] >> 8);
			in.fifo[i * 6 + size_t(c) * 3 + 2] = uint8_t(v[c]);
		}
	}
	return in;
}

struct Sides {
	mxrt_acq acq = {};
	mxrt_ring *ring = nullptr;
	mxrt_vitals vitals;
	uint64_t period_ns = 0;
	uint64_t ts = 1'000'000'000;
	size_t acq_burst = 0, vit_burst = 0;
	mxrt_max30102_record out[kBurst];
	int sink = 0;

	explicit Sides(const Input &in) {
		// 400 Hz and below as SR/1; faster rates the same way (the decode cost does not
		// depend on the rate); the period is what the estimator is told.
		mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 400, 1, 411);
		period_ns = 1'000'000'000ull / in.rate_hz;
		acq.period_ns = period_ns;
		if (mxrt_ring_create(4096, -1, &ring) != 0) {
			std::fprintf(stderr, "vitals-bench: no memory for the ring\n");
			std::exit(1);
		}
		mxrt_vitals_config c;
		mxrt_vitals_config_default(&c);
		mxrt_vitals_init(&vitals, &c);
	}
	~Sides() { mxrt_ring_destroy(ring); }
};

// One burst of the acquisition core as the driver's interrupt thread runs it: the anchor from
// the status and timestamps, decode, then publish to the readers.
[[gnu::noinline]] void AcquireBurst(Sides &s, const Input &in) {
	const unsigned char *buf = &in.fifo[(s.acq_burst % kSignalBursts) * kBurst * 6];
	s.ts += s.period_ns * kBurst;
	const mxrt_acq_ptrs read{s.ts + 40'000, s.ts + 50'000, 0, 0, 0};
	mxrt_acq_burst(&s.acq, buf, kBurst, MAX30102_INT_A_FULL, &read, 0, s.ts, s.ts + 60'000, s.out);
	mxrt_ring_push_n(s.ring, s.out, kBurst);
	s.acq_burst++;
}

// The same burst through the estimator.
[[gnu::noinline]] void EstimateBurst(Sides &s, const Input &in) {
	const mxrt_max30102_record *recs = &in.records[(s.vit_burst % kSignalBursts) * kBurst];
	mxrt_max30102_record r[kBurst];
	std::memcpy(r, recs, sizeof(r));
	for (unsigned k = 0; k < kBurst; k++) // seq and time go on across repeats of the signal
		r[k].seq += uint64_t(s.vit_burst / kSignalBursts) * kSignalBursts * kBurst;
	s.sink += mxrt_vitals_push_n(&s.vitals, r, kBurst, s.period_ns);
	s.vit_burst++;
}

// Copies records without the estimator, to subtract from EstimateBurst (its copy and seq fix-up
// are the benchmark's, not the estimator's).
[[gnu::noinline]] void CopyBurst(Sides &s, const Input &in) {
	const mxrt_max30102_record *recs = &in.records[(s.vit_burst % kSignalBursts) * kBurst];
	mxrt_max30102_record r[kBurst];
	std::memcpy(r, recs, sizeof(r));
	for (unsigned k = 0; k < kBurst; k++)
		r[k].seq += uint64_t(s.vit_burst / kSignalBursts) * kSignalBursts * kBurst;
	s.sink += int(r[s.vit_burst % kBurst].seq & 1);
	s.vit_burst++;
}

[[gnu::noinline]] void Acquire(Sides &s, const Input &in, long bursts) {
	for (long i = 0; i < bursts; i++)
		AcquireBurst(s, in);
}
[[gnu::noinline]] void Estimate(Sides &s, const Input &in, long bursts) {
	for (long i = 0; i < bursts; i++)
		EstimateBurst(s, in);
}
[[gnu::noinline]] void Copy(Sides &s, const Input &in, long bursts) {
	for (long i = 0; i < bursts; i++)
		CopyBurst(s, in);
}

void Decode(Input &in) {
	mxrt_acq acq = {};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 400, 1, 411);
	acq.period_ns = 1'000'000'000ull / in.rate_hz;
	in.records.resize(size_t(kSignalBursts) * kBurst);
	for (unsigned b = 0; b < kSignalBursts; b++)
		mxrt_acq_decode(&acq, &in.fifo[b * kBurst * 6], kBurst, 0, 0, kBurst - 1,
				1'000'000'000 + uint64_t(b + 1) * kBurst * acq.period_ns, 1, &in.records[b * kBurst]);
}

double NowNs() {
	return double(std::chrono::duration_cast<std::chrono::nanoseconds>(
			      std::chrono::steady_clock::now().time_since_epoch())
			      .count());
}

int Usage() {
	std::fprintf(stderr, "usage: vitals-bench time RATE_HZ | vitals-bench count RATE_HZ BURSTS\n");
	return 2;
}

} // namespace

int main(int argc, char **argv) {
	if (argc < 3)
		return Usage();
	const std::string mode = argv[1];
	const long rate = std::strtol(argv[2], nullptr, 10);
	if (rate < 1 || rate > 3200)
		return Usage();
	Input in = MakeInput(unsigned(rate));
	Decode(in);
	Sides s(in);
	// Warm up: a minute of signal through the estimator (it reaches its steady state: values
	// valid, beats committed, rings full), outside the functions callgrind counts.
	for (long i = 0; i < long(60 * rate / kBurst) + 1; i++)
		EstimateBurst(s, in);
	if (mode == "count") {
		if (argc != 4)
			return Usage();
		const long n = std::strtol(argv[3], nullptr, 10);
		Acquire(s, in, n);
		Estimate(s, in, n);
		Copy(s, in, n);
		mxrt_vitals_out o;
		mxrt_vitals_get(&s.vitals, &o);
		std::printf("records=%ld hr_valid=%d spo2_valid=%d hr=%.1f spo2=%.1f\n", n * kBurst,
			    (o.flags & MXRT_VITALS_HR_VALID) != 0, (o.flags & MXRT_VITALS_SPO2_VALID) != 0,
			    o.hr_mbpm / 1000.0, o.spo2_mpct / 1000.0);
		return 0;
	}
	if (mode != "time")
		return Usage();
	constexpr int kBatches = 41;
	const long per_batch = 256;
	std::vector<double> a, v, c;
	for (int b = 0; b < kBatches; b++) { // A V C A V C ...: drift and noise hit all alike
		double t0 = NowNs();
		Acquire(s, in, per_batch);
		double t1 = NowNs();
		Estimate(s, in, per_batch);
		double t2 = NowNs();
		Copy(s, in, per_batch);
		double t3 = NowNs();
		a.push_back((t1 - t0) / (per_batch * kBurst));
		v.push_back((t2 - t1) / (per_batch * kBurst));
		c.push_back((t3 - t2) / (per_batch * kBurst));
	}
	auto median = [](std::vector<double> x) {
		std::sort(x.begin(), x.end());
		return x[x.size() / 2];
	};
	const double acq = median(a), vit = std::max(0.0, median(v) - median(c));
	std::printf("ns_per_record rate=%ld acquisition=%.2f vitals=%.2f ratio=%.3f\n", rate, acq, vit, vit / acq);
	return s.sink == 42 ? 1 : 0; // keep sink alive
}
