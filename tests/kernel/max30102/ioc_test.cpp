// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. The ioctl interface's decisions (kernel/max30102/ioc.cpp): which numbers are
// the driver's commands, the extensible-struct size rules (a newer tool with an older driver and
// the reverse, checked end to end with a model of the kernel's copy_struct_from_user and of the
// glue's copy back), SET_CONFIG's validation against the same rules as sysfs, the lock timeout's
// range, and the vitals and statistics conversions.
#include <gtest/gtest.h>

#include <linux/ioctl.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

#include <max30102/ioc.h>

namespace {

// The glue's view of a command number.
int Decode(unsigned long cmd, mxrt_ioc_cmd *c) {
	uint32_t dir = 0;
	if (_IOC_DIR(cmd) & _IOC_WRITE)
		dir |= MXRT_IOC_DIR_WRITE;
	if (_IOC_DIR(cmd) & _IOC_READ)
		dir |= MXRT_IOC_DIR_READ;
	return mxrt_ioc_decode(_IOC_TYPE(cmd), _IOC_NR(cmd), dir, _IOC_SIZE(cmd), c);
}

// copy_struct_from_user as <linux/uaccess.h> (6.12) defines it, on plain memory.
int CopyStructFromUser(void *dst, size_t ksize, const void *src, size_t usize) {
	const size_t size = std::min(ksize, usize), rest = std::max(ksize, usize) - size;
	if (usize < ksize) {
		std::memset(static_cast<char *>(dst) + size, 0, rest);
	} else if (usize > ksize) {
		for (size_t i = 0; i < rest; i++)
			if (static_cast<const char *>(src)[size + i] != 0)
				return -E2BIG;
	}
	std::memcpy(dst, src, size);
	return 0;
}

struct Outcome {
	int err = 0;
	mxrt_max30102_config cfg{};
};

// SET_CONFIG as the glue runs it, on a caller's struct of `usize` bytes sent with number `cmd`.
Outcome SetConfig(unsigned long cmd, const std::vector<uint8_t> &user) {
	Outcome o;
	mxrt_ioc_cmd c;
	if ((o.err = Decode(cmd, &c)))
		return o;
	uint32_t usize;
	std::memcpy(&usize, user.data(), 4);
	if ((o.err = mxrt_ioc_check_size(&c, _IOC_SIZE(cmd), usize)))
		return o;
	mxrt_max30102_ioc_config k;
	if ((o.err = CopyStructFromUser(&k, c.ksize, user.data(), usize)))
		return o;
	o.err = mxrt_ioc_config_in(&k, usize, &o.cfg);
	return o;
}

// A GET_* output as the glue copies it back into a caller's buffer of `usize` bytes (pre-filled
// with 0xee so that every byte the driver leaves alone shows).
template <typename K> std::vector<uint8_t> CopyOut(const mxrt_ioc_cmd &c, uint32_t usize, K k) {
	std::vector<uint8_t> user(usize, 0xee);
	uint32_t clear = 0;
	const uint32_t n = mxrt_ioc_out(&c, usize, &k, &clear);
	std::memcpy(user.data(), &k, n);
	std::memset(user.data() + n, 0, clear);
	EXPECT_EQ(n + clear, usize);
	return user;
}

std::vector<uint8_t> Bytes(const mxrt_max30102_ioc_config &u, size_t size) {
	std::vector<uint8_t> b(size, 0);
	std::memcpy(b.data(), &u, std::min(size, sizeof(u)));
	return b;
}

mxrt_max30102_ioc_config UserConfig(uint32_t size = sizeof(mxrt_max30102_ioc_config)) {
	mxrt_max30102_config d;
	mxrt_max30102_config_default(&d);
	mxrt_max30102_ioc_config u{};
	mxrt_ioc_config_out(&d, &u);
	u.size = size;
	return u;
}

// A command number of another size (as a newer or older header makes it).
unsigned long Resized(unsigned long cmd, uint32_t size) { return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size); }

TEST(Max30102Ioctl, DecodesEveryCommandAndNothingElse) {
	struct {
		unsigned long cmd;
		uint32_t op, sized, in, out, needs_write;
	} want[] = {
		{MXRT_MAX30102_IOC_GET_INFO, MXRT_MAX30102_NR_GET_INFO, 1, 0, 1, 0},
		{MXRT_MAX30102_IOC_GET_CONFIG, MXRT_MAX30102_NR_GET_CONFIG, 1, 0, 1, 0},
		{MXRT_MAX30102_IOC_SET_CONFIG, MXRT_MAX30102_NR_SET_CONFIG, 1, 1, 0, 1},
		{MXRT_MAX30102_IOC_GET_STATS, MXRT_MAX30102_NR_GET_STATS, 1, 0, 1, 0},
		{MXRT_MAX30102_IOC_GET_VITALS, MXRT_MAX30102_NR_GET_VITALS, 1, 0, 1, 0},
		{MXRT_MAX30102_IOC_GET_TEMP, MXRT_MAX30102_NR_GET_TEMP, 1, 0, 1, 0},
		{MXRT_MAX30102_IOC_FLUSH, MXRT_MAX30102_NR_FLUSH, 0, 0, 1, 0},
		{MXRT_MAX30102_IOC_GET_LOCK_TIMEOUT, MXRT_MAX30102_NR_GET_LOCK_TIMEOUT, 0, 0, 1, 0},
		{MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, MXRT_MAX30102_NR_SET_LOCK_TIMEOUT, 0, 1, 0, 0},
	};
	for (const auto &w : want) {
		mxrt_ioc_cmd c{};
		ASSERT_EQ(Decode(w.cmd, &c), 0) << std::hex << w.cmd;
		EXPECT_EQ(c.op, w.op);
		EXPECT_EQ(c.sized, w.sized);
		EXPECT_EQ(c.ksize, _IOC_SIZE(w.cmd)) << "the header's size is the driver's";
		EXPECT_EQ(c.in, w.in);
		EXPECT_EQ(c.out, w.out);
		EXPECT_EQ(c.needs_write, w.needs_write);
		if (c.sized) { // the first version's size: only the statistics have grown (chip_resets)
			const uint32_t first = w.op == MXRT_MAX30102_NR_GET_STATS ? MXRT_MAX30102_STATS_SIZE_VER0 : c.ksize;
			EXPECT_EQ(c.min_size, first) << std::hex << w.cmd;
		}
		// another magic, another direction: not ours
		mxrt_ioc_cmd untouched{};
		EXPECT_EQ(Decode(_IOC(_IOC_DIR(w.cmd), 'd', _IOC_NR(w.cmd), _IOC_SIZE(w.cmd)), &untouched), -ENOTTY);
		for (unsigned dir : {_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE}) {
			if (dir != _IOC_DIR(w.cmd)) {
				EXPECT_EQ(Decode(_IOC(dir, _IOC_TYPE(w.cmd), _IOC_NR(w.cmd), _IOC_SIZE(w.cmd)), &untouched),
					  -ENOTTY) << std::hex << w.cmd << " dir " << dir;
			}
		}
		// a sized command is recognised whatever size its number carries (newer or older header);
		// a scalar one only with its own size
		const int other = Decode(Resized(w.cmd, _IOC_SIZE(w.cmd) + 8), &untouched);
		EXPECT_EQ(other, w.sized ? 0 : -ENOTTY) << std::hex << w.cmd;
	}
	mxrt_ioc_cmd c{};
	for (uint32_t nr = 0x09; nr < 0x100; nr++)
		EXPECT_EQ(mxrt_ioc_decode(MXRT_MAX30102_IOC_MAGIC, nr, MXRT_IOC_DIR_READ | MXRT_IOC_DIR_WRITE, 40, &c),
			  -ENOTTY) << nr;
	EXPECT_EQ(Decode(_IO(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_FLUSH), &c), -ENOTTY);
	EXPECT_EQ(Decode(0, &c), -ENOTTY);
	EXPECT_EQ(Decode(0x5401 /* TCGETS */, &c), -ENOTTY);
}

TEST(Max30102Ioctl, SizeRules) {
	mxrt_ioc_cmd c;
	ASSERT_EQ(Decode(MXRT_MAX30102_IOC_GET_STATS, &c), 0);
	const uint32_t k = sizeof(mxrt_max30102_ioc_stats);
	EXPECT_EQ(mxrt_ioc_check_size(&c, k, k), 0);
	EXPECT_EQ(mxrt_ioc_check_size(&c, k + 64, k + 64), 0) << "a newer tool's longer struct";
	constexpr uint32_t v0 = MXRT_MAX30102_STATS_SIZE_VER0;
	EXPECT_LT(v0, k) << "stats grew after its first version (chip_resets)";
	EXPECT_EQ(mxrt_ioc_check_size(&c, v0, v0), 0) << "an older tool's first-version struct";
	EXPECT_EQ(mxrt_ioc_check_size(&c, v0 - 8, v0 - 8), -EINVAL) << "shorter than the first version";
	EXPECT_EQ(mxrt_ioc_check_size(&c, 0, 0), -EINVAL) << "size left 0";
	EXPECT_EQ(mxrt_ioc_check_size(&c, k, k + 8), -EINVAL) << "the number and the field disagree";
	EXPECT_EQ(mxrt_ioc_check_size(&c, k + 8, k), -EINVAL);
	EXPECT_EQ(mxrt_ioc_check_size(&c, 4096, 4096), 0);
	EXPECT_EQ(mxrt_ioc_check_size(&c, 4097, 4097), -E2BIG);
	EXPECT_EQ(mxrt_ioc_check_size(&c, 16383, 16383), -E2BIG);
	EXPECT_EQ(mxrt_ioc_check_size(&c, 16383, 0xffffffffu), -EINVAL);
}

TEST(Max30102Ioctl, OutputCopiesWhatBothKnowAndSaysSo) {
	mxrt_ioc_cmd c;
	ASSERT_EQ(Decode(MXRT_MAX30102_IOC_GET_CONFIG, &c), 0);
	mxrt_max30102_ioc_config k = UserConfig(0);
	const uint32_t ksize = sizeof(k);
	// the same version
	auto same = CopyOut(c, ksize, k);
	mxrt_max30102_ioc_config got;
	std::memcpy(&got, same.data(), ksize);
	EXPECT_EQ(got.size, ksize);
	EXPECT_EQ(got.sample_rate_hz, 100u);
	EXPECT_EQ(got.ir_current_ua, 6400u);
	// a newer tool (a struct 24 bytes longer): the driver's bytes, size = the driver's, the new
	// fields cleared
	auto newer = CopyOut(c, ksize + 24, k);
	std::memcpy(&got, newer.data(), ksize);
	EXPECT_EQ(got.size, ksize) << "the tool learns the driver is older";
	EXPECT_EQ(got.ir_current_ua, 6400u);
	for (uint32_t i = ksize; i < ksize + 24; i++)
		EXPECT_EQ(newer[i], 0) << "byte " << i << " of the newer tool's struct is cleared";
	// an older tool whose struct is shorter than the driver's (modelled on a driver whose struct
	// grew: ksize 40 + 16, the tool knows 40)
	mxrt_ioc_cmd grown = c;
	grown.ksize = ksize + 16;
	struct {
		mxrt_max30102_ioc_config v0;
		uint8_t later[16];
	} big{};
	big.v0 = k;
	std::memset(big.later, 0x5a, sizeof(big.later));
	auto older = CopyOut(grown, ksize, big);
	ASSERT_EQ(older.size(), ksize) << "nothing written past the tool's struct";
	std::memcpy(&got, older.data(), ksize);
	EXPECT_EQ(got.size, ksize);
	EXPECT_EQ(got.ir_current_ua, 6400u);
}

TEST(Max30102Ioctl, SetConfigAcrossVersions) {
	mxrt_max30102_config want;
	mxrt_max30102_config_default(&want);
	want.sample_rate_hz = 1000;
	want.pulse_width_us = 118;
	mxrt_max30102_ioc_config u = UserConfig();
	u.sample_rate_hz = 1000;
	u.pulse_width_us = 118;

	// this version
	Outcome o = SetConfig(MXRT_MAX30102_IOC_SET_CONFIG, Bytes(u, sizeof(u)));
	ASSERT_EQ(o.err, 0);
	EXPECT_EQ(std::memcmp(&o.cfg, &want, sizeof(want)), 0);

	// a newer tool: 16 more bytes, all 0 (fields this driver does not know, left at their default)
	u.size = sizeof(u) + 16;
	o = SetConfig(Resized(MXRT_MAX30102_IOC_SET_CONFIG, u.size), Bytes(u, u.size));
	ASSERT_EQ(o.err, 0);
	EXPECT_EQ(std::memcmp(&o.cfg, &want, sizeof(want)), 0);
	// ... with one of them set: this driver cannot do what it asks
	std::vector<uint8_t> b = Bytes(u, u.size);
	b[sizeof(mxrt_max30102_ioc_config) + 5] = 1;
	EXPECT_EQ(SetConfig(Resized(MXRT_MAX30102_IOC_SET_CONFIG, u.size), b).err, -E2BIG);
	b.back() = 0x80;
	b[sizeof(mxrt_max30102_ioc_config) + 5] = 0;
	EXPECT_EQ(SetConfig(Resized(MXRT_MAX30102_IOC_SET_CONFIG, u.size), b).err, -E2BIG) << "the last byte counts";

	// an older tool than version 0 does not exist: a shorter struct is refused
	u.size = sizeof(u) - 4;
	EXPECT_EQ(SetConfig(Resized(MXRT_MAX30102_IOC_SET_CONFIG, u.size), Bytes(u, u.size)).err, -EINVAL);
	// the size field and the number disagree
	u.size = sizeof(u) + 8;
	EXPECT_EQ(SetConfig(MXRT_MAX30102_IOC_SET_CONFIG, Bytes(u, u.size)).err, -EINVAL);
	// the size field read again with the struct disagrees with the one the size check read (another
	// thread of the caller changed it in between): refused, not taken for either
	u = UserConfig();
	mxrt_max30102_config out;
	u.size = sizeof(u) + 8;
	EXPECT_EQ(mxrt_ioc_config_in(&u, sizeof(u), &out), -EINVAL);
	u.size = sizeof(u) - 8;
	EXPECT_EQ(mxrt_ioc_config_in(&u, sizeof(u), &out), -EINVAL);
	u.size = sizeof(u);
	EXPECT_EQ(mxrt_ioc_config_in(&u, sizeof(u), &out), 0);
	// flags must be 0
	u = UserConfig();
	u.flags = 1;
	EXPECT_EQ(SetConfig(MXRT_MAX30102_IOC_SET_CONFIG, Bytes(u, sizeof(u))).err, -EINVAL);
	// SET_CONFIG sent as _IOWR or _IOR is not a command
	u.flags = 0;
	EXPECT_EQ(SetConfig(_IOWR(MXRT_MAX30102_IOC_MAGIC, MXRT_MAX30102_NR_SET_CONFIG, mxrt_max30102_ioc_config),
			    Bytes(u, sizeof(u))).err,
		  -ENOTTY);
}

TEST(Max30102Ioctl, SetConfigValidatesAsSysfsDoes) {
	// Every bad value sysfs refuses, one at a time on a valid configuration: EINVAL, output untouched.
	struct {
		uint32_t mxrt_max30102_ioc_config::*field;
		uint32_t value;
	} bad[] = {
		{&mxrt_max30102_ioc_config::mode, 0},
		{&mxrt_max30102_ioc_config::mode, 5},
		{&mxrt_max30102_ioc_config::sample_rate_hz, 150},
		{&mxrt_max30102_ioc_config::sample_rate_hz, 0},
		{&mxrt_max30102_ioc_config::sample_rate_hz, 3200}, // with 411 us
		{&mxrt_max30102_ioc_config::pulse_width_us, 100},
		{&mxrt_max30102_ioc_config::adc_range_na, 1000},
		{&mxrt_max30102_ioc_config::sample_average, 3},
		{&mxrt_max30102_ioc_config::fifo_almost_full, 16},
		{&mxrt_max30102_ioc_config::fifo_almost_full, 33},
		{&mxrt_max30102_ioc_config::red_current_ua, 51200},
		{&mxrt_max30102_ioc_config::red_current_ua, 150},
		{&mxrt_max30102_ioc_config::ir_current_ua, 0xffffffffu},
	};
	for (const auto &b : bad) {
		mxrt_max30102_ioc_config u = UserConfig();
		u.*b.field = b.value;
		mxrt_max30102_config out;
		std::memset(&out, 0x77, sizeof(out));
		EXPECT_EQ(mxrt_ioc_config_in(&u, sizeof(u), &out), -EINVAL) << b.value;
		for (size_t i = 0; i < sizeof(out); i++)
			ASSERT_EQ(reinterpret_cast<uint8_t *>(&out)[i], 0x77) << "output changed for " << b.value;
	}
	// A pair that is only valid together: 1000 Hz with 118 us, set at once (sysfs cannot).
	mxrt_max30102_ioc_config u = UserConfig();
	u.sample_rate_hz = 1000;
	u.pulse_width_us = 118;
	mxrt_max30102_config out;
	EXPECT_EQ(mxrt_ioc_config_in(&u, sizeof(u), &out), 0);
	// Random configurations: the ioctl accepts exactly what sysfs's validation accepts.
	std::mt19937 rng(15);
	const uint32_t modes[] = {0, 2, 3, 7, 1}, rates[] = {50, 100, 200, 400, 800, 1000, 1600, 3200, 7},
		       pws[] = {69, 118, 215, 411, 70}, ranges[] = {2048, 4096, 8192, 16384, 0},
		       avgs[] = {1, 2, 4, 8, 16, 32, 64}, afs[] = {16, 17, 24, 32, 33}, leds[] = {0, 200, 6400, 51000, 51200, 300};
	int accepted = 0;
	for (int i = 0; i < 20000; i++) {
		auto pick = [&](const auto &t) { return t[rng() % (sizeof(t) / sizeof(t[0]))]; };
		u = UserConfig();
		u.mode = pick(modes);
		u.sample_rate_hz = pick(rates);
		u.pulse_width_us = pick(pws);
		u.adc_range_na = pick(ranges);
		u.sample_average = pick(avgs);
		u.fifo_almost_full = pick(afs);
		u.red_current_ua = pick(leds);
		u.ir_current_ua = pick(leds);
		const mxrt_max30102_config c = {u.mode,		  u.sample_rate_hz, u.pulse_width_us, u.adc_range_na,
						u.sample_average, u.fifo_almost_full, u.red_current_ua, u.ir_current_ua};
		const int want = mxrt_max30102_config_validate(&c);
		ASSERT_EQ(mxrt_ioc_config_in(&u, sizeof(u), &out), want) << i;
		accepted += want == 0;
	}
	EXPECT_GT(accepted, 100) << "the random configurations include valid ones";
}

TEST(Max30102Ioctl, ConfigRoundTrip) {
	mxrt_max30102_config c = {MXRT_MAX30102_MODE_HR, 1600, 118, 4096, 4, 30, 200, 51000};
	ASSERT_EQ(mxrt_max30102_config_validate(&c), 0);
	mxrt_max30102_ioc_config u;
	std::memset(&u, 0xff, sizeof(u));
	u.size = sizeof(u);
	mxrt_ioc_config_out(&c, &u);
	EXPECT_EQ(u.flags, 0u);
	mxrt_max30102_config back;
	ASSERT_EQ(mxrt_ioc_config_in(&u, sizeof(u), &back), 0);
	EXPECT_EQ(std::memcmp(&back, &c, sizeof(c)), 0);
}

TEST(Max30102Ioctl, LockTimeoutRange) {
	EXPECT_EQ(mxrt_ioc_check_lock_timeout(0), 0);
	EXPECT_EQ(mxrt_ioc_check_lock_timeout(MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS), 0);
	EXPECT_EQ(mxrt_ioc_check_lock_timeout(MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS), 0);
	EXPECT_EQ(mxrt_ioc_check_lock_timeout(MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS + 1), -EINVAL);
	EXPECT_EQ(mxrt_ioc_check_lock_timeout(0xffffffffu), -EINVAL);
}

TEST(Max30102Ioctl, VitalsNoneYetIsExplicit) {
	mxrt_max30102_ioc_vitals u;
	std::memset(&u, 0xab, sizeof(u));
	u.size = sizeof(u);
	mxrt_vitals_out v{};
	mxrt_ioc_vitals_out(&v, 0, &u);
	EXPECT_EQ(u.size, sizeof(u));
	EXPECT_EQ(u.flags, uint32_t(MXRT_MAX30102_VITALS_NONE));
	EXPECT_EQ(u.hr_mbpm, 0u);
	EXPECT_EQ(u.seq, 0u);
	EXPECT_EQ(u.pad, 0u);
	v.timestamp_ns = 123456789;
	v.seq = 4242;
	v.hr_mbpm = 72500;
	v.spo2_mpct = 97250;
	v.confidence = 80;
	v.flags = MXRT_VITALS_HR_VALID | MXRT_VITALS_SPO2_VALID | MXRT_VITALS_FINGER_VALID | MXRT_VITALS_FINGER |
		  0x10000; // a flag the UAPI does not know is not passed on
	mxrt_ioc_vitals_out(&v, 1, &u);
	EXPECT_EQ(u.flags, uint32_t(MXRT_MAX30102_VITALS_HR_VALID | MXRT_MAX30102_VITALS_SPO2_VALID |
				    MXRT_MAX30102_VITALS_FINGER_VALID | MXRT_MAX30102_VITALS_FINGER));
	EXPECT_EQ(u.timestamp_ns, 123456789u);
	EXPECT_EQ(u.seq, 4242u);
	EXPECT_EQ(u.hr_mbpm, 72500u);
	EXPECT_EQ(u.spo2_mpct, 97250u);
	EXPECT_EQ(u.confidence, 80u);
	EXPECT_EQ(u.pad, 0u);
}

TEST(Max30102Ioctl, StatsStateAndInterruptMode) {
	mxrt_acq acq{};
	mxrt_irq_health h{};
	acq.samples = 10;
	acq.lost = 3;
	acq.next_seq = 13;
	h.irqs = 7;
	h.missed = 2;
	h.expiries = 5;
	acq.chip_resets = 4;
	mxrt_max30102_ioc_stats s{};
	acq.state = MXRT_CHIP_RUNNING;
	mxrt_ioc_stats_acq(&acq, &h, 1, &s);
	EXPECT_EQ(s.irq_watchdog_expiries, 5u);
	EXPECT_EQ(s.chip_resets, 4u);
	EXPECT_EQ(s.samples, 10u);
	EXPECT_EQ(s.fifo_lost, 3u);
	EXPECT_EQ(s.next_seq, 13u);
	EXPECT_EQ(s.irqs, 7u);
	EXPECT_EQ(s.irq_missed, 2u);
	EXPECT_EQ(s.chip_state, uint32_t(MXRT_MAX30102_CHIP_RUNNING));
	EXPECT_EQ(s.irq_mode, uint32_t(MXRT_MAX30102_IRQ_ACTIVE));
	h.off = 1;
	acq.state = MXRT_CHIP_STALE;
	mxrt_ioc_stats_acq(&acq, &h, 1, &s);
	EXPECT_EQ(s.chip_state, uint32_t(MXRT_MAX30102_CHIP_RETRYING));
	EXPECT_EQ(s.irq_mode, uint32_t(MXRT_MAX30102_IRQ_STUCK_POLLING));
	acq.state = MXRT_CHIP_OFF;
	mxrt_ioc_stats_acq(&acq, &h, 0, &s);
	EXPECT_EQ(s.chip_state, uint32_t(MXRT_MAX30102_CHIP_SUSPENDED));
	EXPECT_EQ(s.irq_mode, uint32_t(MXRT_MAX30102_IRQ_POLLING));
	// every counter the core copies, each a value of its own: a field copied from another (a
	// mutant gave fifo_lost_estimated the acquisition's lost) or not at all shows
	mxrt_acq a{};
	mxrt_irq_health g{};
	a.samples = 1001;
	a.bursts = 1002;
	a.fifo_overflows = 1003;
	a.lost = 1004;
	a.lost_estimated = 1005;
	a.reanchors = 1006;
	a.max_backlog = 1007;
	a.next_seq = 1008;
	a.chip_resets = 1009;
	g.irqs = 2001;
	g.spurious = 2002;
	g.missed = 2003;
	g.stuck = 2004;
	g.polls = 2005;
	g.expiries = 2006;
	a.state = MXRT_CHIP_RUNNING;
	mxrt_max30102_ioc_stats all{};
	mxrt_ioc_stats_acq(&a, &g, 1, &all);
	const std::pair<uint64_t, uint64_t> copied[] = {
		{all.samples, 1001}, {all.bursts, 1002}, {all.fifo_overflows, 1003}, {all.fifo_lost, 1004},
		{all.fifo_lost_estimated, 1005}, {all.reanchors, 1006}, {all.max_backlog, 1007}, {all.next_seq, 1008},
		{all.chip_resets, 1009}, {all.irqs, 2001}, {all.irq_spurious, 2002}, {all.irq_missed, 2003},
		{all.irq_stuck, 2004}, {all.polls, 2005}, {all.irq_watchdog_expiries, 2006}};
	for (size_t i = 0; i < std::size(copied); i++)
		EXPECT_EQ(copied[i].first, copied[i].second) << "field " << i << " of the list";
	mxrt_ring_reader rd{};
	rd.overruns = 1;
	rd.lost = 20;
	rd.flushes = 2;
	rd.flushed = 99;
	mxrt_ioc_stats_file(&rd, &s);
	EXPECT_EQ(s.file_overruns, 1u);
	EXPECT_EQ(s.file_lost, 20u);
	EXPECT_EQ(s.file_flushes, 2u);
	EXPECT_EQ(s.file_flushed, 99u);
}

} // namespace
