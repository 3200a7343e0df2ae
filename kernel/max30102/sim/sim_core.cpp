// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (under the simulator module's raw spinlock; the sample timer calls it in hard IRQ
// context; the upload parser runs in the replay file's write/close, sleepable) and user space
// (tests). Implements kernel/max30102/sim/sim.h.
//
// A MAX30102 as the datasheet (Maxim 19-7740) describes it, as seen from its I2C pins and its INT
// pin. Each behaviour names its source; "DS p.N" is the page of the datasheet, Rev 1.
//  - registers with their reset values, read-only and write masks, clear-on-read status;
//  - the 32-sample FIFO: write/read pointers, overflow counter (saturates at 31, cleared when a
//    sample is popped), rollover, almost-full threshold, FIFO_DATA reads that pop one byte at a
//    time without advancing the register address (every other register auto-increments), the read
//    pointer moving on the first byte of a sample;
//  - sampling in real time: one FIFO sample per SMP_AVE ADC conversions at SPO2_SR, 15..18-bit
//    values left-justified in 18 bits, nothing while shut down or in a reserved mode or with a rate
//    the datasheet does not allow for the pulse width (counted);
//  - die temperature: TEMP_EN starts a 29 ms conversion, then TINT/TFRAC and DIE_TEMP_RDY;
//  - interrupts: a status bit is set by its event whether or not it is enabled; INT is asserted
//    (low) while an enabled bit (or PWR_RDY) is set; shutdown clears them all. The interrupt
//    controller in front of the pin senses an edge or a level, as the host asks.
// Where the datasheet is silent the choice is stated at the code (e.g. reading an empty FIFO).
//
// The signal is a physiological PPG model or a recorded file; faults are injected at run time.
#include <max30102/chip.hpp>
#include <max30102/sim/sim.h>
#include <max30102/vitals.h> /* the default calibration line only */
#include <lib/platform/platform.hpp>

namespace mxrt::max30102 {
namespace {

constexpr u64 kNever = MXRT_SIM_NEVER;
constexpr u64 kTempConversionNs = 29'000'000; // DS p.3: TTEMP typ 29 ms
constexpr u64 kStormPeriodNs = 20'000;          // an interrupt storm: 50 kHz
constexpr u64 kTimeoutNs = 25'000'000;          // an injected bus timeout holds the bus this long
constexpr u8 kRevId = 0x03;
constexpr u32 kMaxCatchUp = 64; // samples generated per advance; older ones count as overflow

// Photocurrent per mA of LED current reaching the photodiode through a typical fingertip, in pA
// per uA (= nA per mA). Calibrated on what hosts see from real MAX30102 modules at the settings
// most examples use (6.4 mA, 411 us, the 4096 nA range): a fingertip reads about 100 000-130 000
// of 262 143 counts in IR (below 50 000 is taken for "no finger", 260 000 for saturation). 300 pA
// per uA puts IR at 1.92 uA = 47 % of the 4096 nA range (123 000 counts), 12 % of the 16384 nA
// range, 23 % of 8192 nA; red returns 80 % of IR. A typical finger then stays inside full scale at
// every range from 4096 nA up, at 6.4-7.2 mA (the mainline driver's and Maxim's reference design's
// settings) with AC, wander and motion on top; full scale at 4096 nA is reached near 13 mA.
// Without a finger, 2 % of that comes back (cover glass, ambient leakage).
constexpr s64 kIrPaPerUa = 300, kRedPaPerUa = 240, kNoFingerPaPerUa = 6;

// One cardiac cycle of a fingertip PPG (absorbance, per mille): a fast systolic upstroke, the
// dicrotic notch at ~40 % of the cycle, a small diastolic wave, an exponential-looking run-off.
constexpr u16 kPulse[64] = {0,   60,  160, 300, 460, 620, 760, 870, 950, 990, 1000, 985, 950,
			    900, 840, 775, 710, 645, 585, 530, 480, 440, 410, 390, 380,  382, 390,
			    398, 402, 400, 392, 380, 365, 348, 330, 311, 292, 273, 254,  236, 218,
			    201, 185, 169, 154, 140, 127, 114, 102, 91,  80,  70,  61,   52,  44,
			    37,  30,  24,  18,  13,  9,   5,   2,   0};

// Triangle wave in [-1000, 1000] per mille from a 32-bit phase.
constexpr s64 Triangle(u32 phase) {
	const s64 p = phase >> 16; // 0..65535
	return p < 32768 ? -1000 + p * 2000 / 32768 : 1000 - (p - 32768) * 2000 / 32768;
}

// Checked arithmetic: every step of a parser that reads untrusted text goes through these.
constexpr bool MulAdd(u64 a, u64 m, u64 b, u64 *out) {
	u64 p;
	return !__builtin_mul_overflow(a, m, &p) && !__builtin_add_overflow(p, b, out);
}

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Integer parsing for the control words: decimal, or hexadecimal after "0x".
bool ParseU64(const char *s, usize n, u64 *out) {
	u64 v = 0;
	u32 base = 10;
	usize i = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		u32 d;
		const char c = s[i];
		if (IsDigit(c))
			d = u32(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = u32(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = u32(c - 'A' + 10);
		else
			return false;
		if (!MulAdd(v, base, d, &v))
			return false;
	}
	*out = v;
	return true;
}

// An unsigned decimal "123", "123.4567": the value times 10^frac_digits; fraction digits beyond
// frac_digits must be digits and are dropped (truncation). At least one digit before the point
// and after it. False for anything else or a value that does not fit in 64 bits.
bool ParseDecimal(const char *s, usize n, u32 frac_digits, u64 *out) {
	usize i = 0;
	u64 v = 0;
	while (i < n && IsDigit(s[i])) {
		if (!MulAdd(v, 10, u64(s[i] - '0'), &v))
			return false;
		i++;
	}
	if (i == 0)
		return false;
	u32 kept = 0;
	if (i < n) {
		if (s[i] != '.' || i + 1 == n)
			return false;
		for (i++; i < n; i++) {
			if (!IsDigit(s[i]))
				return false;
			if (kept < frac_digits) {
				if (!MulAdd(v, 10, u64(s[i] - '0'), &v))
					return false;
				kept++;
			}
		}
	}
	for (; kept < frac_digits; kept++)
		if (!MulAdd(v, 10, 0, &v))
			return false;
	*out = v;
	return true;
}

// "12", "-3.25", "97.5": a decimal with up to three fraction digits, in thousandths, |v| < 2^62.
bool ParseMilli(const char *s, usize n, s64 *out) {
	const bool neg = n > 0 && s[0] == '-';
	if (neg) {
		s++;
		n--;
	}
	usize dot = 0;
	while (dot < n && s[dot] != '.')
		dot++;
	if (dot < n && n - dot - 1 > 3)
		return false; // more than three fraction digits: not what the key can hold
	u64 v;
	if (!ParseDecimal(s, n, 3, &v) || v >= (1ull << 62))
		return false;
	*out = neg ? -s64(v) : s64(v);
	return true;
}

bool Eq(const char *s, usize n, const char *lit) {
	usize i = 0;
	for (; i < n; i++)
		if (lit[i] == '\0' || lit[i] != s[i])
			return false;
	return lit[i] == '\0';
}

} // namespace

// A recorded PPG, as 18-bit codes at microsecond timestamps from the file's first sample. Built
// only by Upload::Finish: n >= 2, t_us strictly increasing from 0, duration_us = t_us[n-1] + 1
// (at most 24 h), so the replay clock never divides by zero.
struct Replay {
	u32 n;
	u64 duration_us;
	u64 *t_us;
	u32 *ir, *red;
};

struct SignalParams {
	s64 hr_milli = 72'000;       // beats per minute
	s64 spo2_milli = 97'000;     // %
	s64 perfusion_milli = 2'000; // AC/DC of the IR channel, %
	s64 noise_milli = 100;       // uniform noise, % of DC (peak)
	s64 wander_milli = 500;      // baseline wander, % of DC (peak), 0.125 Hz
	s64 temp_milli = 30'500;     // die temperature, degrees C
	bool finger = true;
	bool motion = false;
};

struct Faults {
	u64 nak = 0, timeout = 0;     // next N transfers
	u64 fault_after = 0;          // the transfer faults here wait for N more good transfers
	u64 taken_fail = 0;           // next N transfers reach the chip, then report a timeout
	u64 hang = 0;                 // next N transfers hang (a stuck bus) until a bus recovery
	u64 recovery_fails = 0;       // next N bus recoveries fail (SCL held low)
	u64 storm = 0, lose_irq = 0;  // next N interrupts
	bool stuck_irq = false;
	u64 overflow = 0;             // the last overflow asked for (shown)
	u64 part_id = MAX30102_PART_ID_VALUE;
	u64 bus_khz = 0;              // 0: transfers take no time
	u64 busy_ms = 0;              // the next FIFO_DATA read waits this long for the bus first
	u64 late_us = 0, late_every = 0; // every late_every-th transfer returns late_us late
};

struct Counters {
	u64 xfers, xfer_bytes, naks, timeouts, taken_fails, samples, fifo_overflows, irqs_raised, irqs_lost,
		irqs_storm, rate_clamped, empty_fifo_reads, temp_conversions, xfers_refused;
	u64 hangs, hangs_recovered, hangs_timed_out, bus_recoveries, bus_recovery_failures;
	u64 shutdowns; // MODE_CONFIG writes that set SHDN on a chip that was not shut down
	u64 power_ups, unpowered_naks; // the supply switched on; transfers an unpowered chip NAKed
};

// The last replay upload's outcome, for Show.
struct UploadOutcome {
	enum class Result : u8 { kNone, kApplied, kOff, kRejected } result = Result::kNone;
	int err = 0;
	u32 line = 0;
	const char *why = "";
};

// One replay upload, parsed line by line as it arrives (see sim.h for the format and limits).
class Upload : Pinned {
public:
	static constexpr usize kMaxBytes = 8u << 20;
	static constexpr usize kMaxLine = 4096;
	static constexpr u32 kMaxRows = 1'000'000;
	static constexpr u32 kMaxPreamble = 64; // lines before the header row
	static constexpr u64 kMaxDurationUs = 24ull * 3600 * 1'000'000;

	~Upload() {
		mxrt_shim_free(t_);
	}

	int Feed(const char *buf, usize len) {
		if (err_ != 0)
			return err_;
		if (len > kMaxBytes - fed_)
			return Fail(-MXRT_EFBIG, 0, "larger than 8 MiB");
		fed_ += len;
		for (usize i = 0; i < len && err_ == 0;) {
			usize j = i;
			while (j < len && buf[j] != '\n')
				j++;
			if (carry_n_ + (j - i) > kMaxLine)
				return Fail(-MXRT_EINVAL, line_ + 1, "line longer than 4096 bytes");
			if (j == len) { // no line end yet: keep the start of the line
				for (usize k = i; k < j; k++)
					carry_[carry_n_++] = buf[k];
				break;
			}
			if (carry_n_ == 0) {
				Line(buf + i, j - i);
			} else {
				for (usize k = i; k < j; k++)
					carry_[carry_n_++] = buf[k];
				Line(carry_, carry_n_);
				carry_n_ = 0;
			}
			i = j + 1;
		}
		return err_;
	}

	int Finish(Replay **out) {
		*out = nullptr;
		if (err_ == 0 && carry_n_ > 0) { // a last line without a line end
			// ... a data row there may be one cut short ("12,100,2" of "12,100,2000": a writer
			// killed mid-upload still closes the file): refused. A trailer's line is taken.
			if (state_ == State::kRows && IsDigit(carry_[0]))
				return Fail(-MXRT_EINVAL, line_ + 1, "the last data row has no line end (an upload cut short?)");
			Line(carry_, carry_n_);
			carry_n_ = 0;
		}
		if (err_ != 0)
			return err_;
		if (state_ == State::kOff)
			return 0; // "off": back to the model
		if (state_ == State::kPreamble)
			return Fail(-MXRT_EINVAL, 0, line_ == 0 ? "empty" :
				    "no header row with timestamp, LEDC1 and LEDC2 columns");
		if (n_ < 2)
			return Fail(-MXRT_EINVAL, 0, "fewer than 2 data rows");
		const usize bytes = sizeof(Replay) + usize(n_) * (sizeof(u64) + 2 * sizeof(u32));
		auto *r = static_cast<Replay *>(mxrt_shim_zalloc(bytes, MXRT_GFP_KERNEL, -1));
		if (r == nullptr)
			return Fail(-MXRT_ENOMEM, 0, "out of memory");
		r->n = n_;
		r->t_us = reinterpret_cast<u64 *>(r + 1);
		r->ir = reinterpret_cast<u32 *>(r->t_us + n_);
		r->red = r->ir + n_;
		for (u32 i = 0; i < n_; i++) {
			r->t_us[i] = t_[i] - t_[0]; // increasing and at most kMaxDurationUs: checked per row
			r->ir[i] = ir_[i];
			r->red[i] = red_[i];
		}
		r->duration_us = r->t_us[n_ - 1] + 1;
		*out = r;
		return 0;
	}

	u32 ErrorLine(const char **why) const {
		*why = why_;
		return err_line_;
	}

private:
	enum class State : u8 { kPreamble, kOff, kRows, kTrailer };

	int Fail(int err, u32 line, const char *why) {
		if (err_ == 0) {
			err_ = err;
			err_line_ = line;
			why_ = why;
		}
		return err_;
	}

	// The field of a comma-separated line that starts at *at, and *at moved past its comma; false
	// when the line has no more fields.
	static bool NextField(const char *line, usize n, usize *at, const char **f, usize *fn) {
		const usize i = *at;
		if (i > n)
			return false;
		usize j = i;
		while (j < n && line[j] != ',')
			j++;
		*f = line + i;
		*fn = j - i;
		*at = j + 1;
		return true;
	}

	// Field k (0-based) of a comma-separated line.
	static bool CsvField(const char *line, usize n, u32 k, const char **f, usize *fn) {
		usize at = 0;
		for (u32 c = 0; c < k; c++)
			if (!NextField(line, n, &at, f, fn))
				return false;
		return NextField(line, n, &at, f, fn);
	}

	void Line(const char *l, usize n) {
		line_++;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		switch (state_) {
		case State::kPreamble:
			if (line_ == 1 && Eq(l, n, "off")) {
				state_ = State::kOff;
				return;
			}
			if (Header(l, n))
				state_ = State::kRows;
			else if (line_ >= kMaxPreamble)
				Fail(-MXRT_EINVAL, line_, "no header row with timestamp, LEDC1 and LEDC2 "
				     "columns in the first 64 lines");
			return;
		case State::kOff:
			Fail(-MXRT_EINVAL, line_, "\"off\" must be alone");
			return;
		case State::kRows:
			if (Blank(l, n))
				return; // blank lines, and rows of empty cells (",,,,": a spreadsheet's empty row)
			if (!IsDigit(l[0])) {
				state_ = State::kTrailer; // the trailer (stop time, counts) ends the rows
				return;
			}
			Row(l, n);
			return;
		case State::kTrailer:
			// a data row after the trailer began: everything from there would be dropped unsaid
			// (a stray line among the rows ended them: 2 rows kept of 500 000)
			if (!Blank(l, n) && IsDigit(l[0]))
				Fail(-MXRT_EINVAL, line_, "a data row after the trailer (a line that is no data row, "
				     "not a blank one, ended the rows before it)");
			return;
		}
	}

	// Only commas, blanks and tabs (or nothing): as mxrt-vitals-eval reads the same files.
	static bool Blank(const char *l, usize n) {
		for (usize i = 0; i < n; i++)
			if (l[i] != ',' && l[i] != ' ' && l[i] != '\t')
				return false;
		return true;
	}

	bool Header(const char *l, usize n) {
		int ts = -1, ir = -1, red = -1;
		// one pass over the fields (looking each up from the line's start was quadratic: 63
		// preamble lines of 4096 commas took about 5e8 steps in one write())
		usize at = 0;
		const char *f;
		usize fn;
		for (u32 k = 0; k < kMaxLine && NextField(l, n, &at, &f, &fn); k++) {
			if (Eq(f, fn, "timestamp") && ts < 0)
				ts = int(k);
			else if (Eq(f, fn, "LEDC1") && ir < 0)
				ir = int(k);
			else if (Eq(f, fn, "LEDC2") && red < 0)
				red = int(k);
		}
		if (ts != 0 || ir < 0 || red < 0)
			return false;
		c_ir_ = u32(ir);
		c_red_ = u32(red);
		return true;
	}

	void Row(const char *l, usize n) {
		u64 t, ir, red;
		// Timestamps are milliseconds: three fraction digits make microseconds.
		if (!Number(l, n, 0, 3, &t, "no timestamp field", "timestamp is not a decimal number",
			    "timestamp out of range") ||
		    !Number(l, n, c_ir_, 0, &ir, "no LEDC1 field", "LEDC1 is not a decimal number",
			    "LEDC1 out of range") ||
		    !Number(l, n, c_red_, 0, &red, "no LEDC2 field", "LEDC2 is not a decimal number",
			    "LEDC2 out of range"))
			return;
		if (n_ > 0 && t <= t_[n_ - 1]) {
			Fail(-MXRT_EINVAL, line_, "timestamp not after the previous row's");
			return;
		}
		if (n_ > 0 && t - t_[0] > kMaxDurationUs) {
			Fail(-MXRT_ERANGE, line_, "more than 24 h after the first timestamp");
			return;
		}
		if (n_ == kMaxRows) {
			Fail(-MXRT_EFBIG, line_, "more than 1000000 data rows");
			return;
		}
		if (n_ == cap_ && !Grow())
			return;
		t_[n_] = t;
		// An 18-bit ADC saturates: larger recorded values (a 19-bit MAXM86161) read full scale.
		ir_[n_] = u32(Min<u64>(ir, 0x3ffff));
		red_[n_] = u32(Min<u64>(red, 0x3ffff));
		n_++;
	}

	// Field k of a row as a decimal (see ParseDecimal). A field that is a decimal in its syntax
	// but does not fit is out of range (ERANGE); anything else is not a number (EINVAL).
	bool Number(const char *l, usize n, u32 k, u32 frac, u64 *v, const char *missing,
		    const char *not_number, const char *range) {
		const char *f;
		usize fn;
		if (!CsvField(l, n, k, &f, &fn)) {
			Fail(-MXRT_EINVAL, line_, missing);
			return false;
		}
		if (ParseDecimal(f, fn, frac, v))
			return true;
		usize i = 0;
		while (i < fn && IsDigit(f[i]))
			i++;
		bool syntax = i > 0;
		if (syntax && i < fn) {
			syntax = f[i] == '.' && i + 1 < fn;
			for (i++; syntax && i < fn; i++)
				syntax = IsDigit(f[i]);
		}
		if (syntax)
			Fail(-MXRT_ERANGE, line_, range);
		else
			Fail(-MXRT_EINVAL, line_, not_number);
		return false;
	}

	bool Grow() {
		const u32 cap = cap_ == 0 ? 1024 : Min<u32>(cap_ * 2, kMaxRows);
		auto *t = static_cast<u64 *>(mxrt_shim_zalloc(usize(cap) * (sizeof(u64) + 2 * sizeof(u32)),
							      MXRT_GFP_KERNEL, -1));
		if (t == nullptr) {
			Fail(-MXRT_ENOMEM, line_, "out of memory");
			return false;
		}
		auto *ir = reinterpret_cast<u32 *>(t + cap), *red = ir + cap;
		for (u32 i = 0; i < n_; i++) {
			t[i] = t_[i];
			ir[i] = ir_[i];
			red[i] = red_[i];
		}
		mxrt_shim_free(t_);
		t_ = t;
		ir_ = ir;
		red_ = red;
		cap_ = cap;
		return true;
	}

	State state_ = State::kPreamble;
	int err_ = 0;
	u32 err_line_ = 0;
	const char *why_ = "";
	usize fed_ = 0;
	u32 line_ = 0; // lines seen
	u32 c_ir_ = 0, c_red_ = 0;
	u32 n_ = 0, cap_ = 0;
	u64 *t_ = nullptr; // absolute timestamps in us; ir_ and red_ live in the same block
	u32 *ir_ = nullptr, *red_ = nullptr;
	usize carry_n_ = 0;
	char carry_[kMaxLine];
};

class Sim : Pinned {
public:
	explicit Sim(u64 now) { PowerOn(now); }
	~Sim() { mxrt_sim_replay_free(reinterpret_cast<mxrt_sim_replay *>(replay_)); }

	// Whether a reset raises PWR_RDY: a power cycle does, the RESET bit does not.
	enum class PwrRdy : u8 { kNo, kYes };

	// Every register to its power-on value. The pin is looked at once, at the end: the RESET bit
	// (PwrRdy::kNo) must not pull INT low on the way, or an edge-triggered host would get an
	// interrupt the chip never gives.
	void PowerOn(u64 now, PwrRdy pwr_rdy = PwrRdy::kYes) {
		for (u8 &r : reg_)
			r = 0;
		// DS p.12: PWR_RDY on power-up; it cannot be disabled.
		if (pwr_rdy == PwrRdy::kYes)
			reg_[MAX30102_REG_INT_STATUS1] = MAX30102_INT_PWR_RDY;
		ResetFifo();
		sampling_ = false;
		ovf_hold_ = false;
		temp_done_ = kNever;
		reg_ptr_ = 0;
		UpdateSampling(now);
		SyncLine();
	}

	// The chip's supply, switched (mxrt_sim_set_power: the simulator's GPIO line, as through a
	// load switch). Off, the chip answers nothing (Xfer NAKs its address byte), samples nothing
	// and no longer pulls INT low (the pin is left to its pull-up); what its registers held is
	// gone. On again, it starts as at any power-up: every register at its power-on value and
	// PWR_RDY set, INT pulled low (DS p.12).
	void SetPower(bool on, u64 now) {
		if (on == powered_)
			return;
		powered_ = on;
		if (on)
			cnt_.power_ups++;
		PowerOn(now, on ? PwrRdy::kYes : PwrRdy::kNo); // off: nothing kept, nothing pending
	}

	// The busy_ms fault: a FIFO_DATA read (the register address 0x07 written, then a read, in
	// one transaction) takes it, once.
	u64 BusWait(const mxrt_sim_msg *msgs, int n) {
		if (faults_.busy_ms == 0 || n != 2 || msgs[0].addr != MAX30102_I2C_ADDR ||
		    (msgs[0].flags & MXRT_SIM_MSG_READ) || msgs[0].len != 1 ||
		    msgs[0].buf[0] != MAX30102_REG_FIFO_DATA || !(msgs[1].flags & MXRT_SIM_MSG_READ))
			return 0;
		const u64 ns = faults_.busy_ms * 1'000'000;
		faults_.busy_ms = 0;
		return ns;
	}

	int Xfer(mxrt_sim_msg *msgs, int n, u64 now, u64 *bus_ns) {
		*bus_ns = 0;
		// What the adapter does not do is refused before anything reaches the bus, like an
		// adapter that does not advertise I2C_FUNC_10BIT_ADDR, _SMBUS_READ_BLOCK_DATA or
		// _PROTOCOL_MANGLING.
		// So are transfers past the adapter's limits (MXRT_SIM_MAX_MSGS, _MAX_MSG_LEN): a transfer
		// is modelled byte by byte under the glue's raw spinlock with interrupts off, and i2c-dev's
		// 42 messages of 8192 bytes held them off for milliseconds. (Not declared as
		// i2c_adapter_quirks: with length limits regmap-i2c copies its bus for every client, and
		// 6.12 leaks that copy when __devm_regmap_init's devres_alloc fails, which kmemleak found
		// in the failslab sweep.)
		bool refused = n > MXRT_SIM_MAX_MSGS;
		for (int i = 0; i < n && !refused; i++)
			refused = (msgs[i].flags & ~u16(MXRT_SIM_MSG_READ)) || msgs[i].len > MXRT_SIM_MAX_MSG_LEN;
		if (refused) {
			cnt_.xfers_refused++;
			return -MXRT_EOPNOTSUPP;
		}
		// The messages go on the wire in order: one to another address is NAKed on its address
		// byte, and the transfer ends there (-ENXIO), after the chip took the messages before it
		// (a write done, a read popped), as on a real bus. A transfer that starts with another
		// address never reaches the chip, and is not counted.
		int upto = n;
		for (int i = 0; i < n; i++) {
			if (msgs[i].addr != MAX30102_I2C_ADDR) {
				upto = i;
				break;
			}
		}
		// A NAK ends the transfer on the address byte: its wire time is that byte's (with
		// bus_khz), whatever the messages after it would have taken.
		constexpr u64 kNakBits = 9 + 2; // the address byte, the NAK, start and stop
		const u64 nak_ns = faults_.bus_khz != 0 ? kNakBits * 1'000'000ull / faults_.bus_khz : 0;
		if (upto == 0) {
			*bus_ns = nak_ns; // nobody answers: NAK on the address byte
			return -MXRT_ENXIO;
		}
		if (!powered_) {
			// An unpowered chip acknowledges nothing: NAK on its address byte. The armed faults
			// wait for a transfer that reaches it.
			cnt_.unpowered_naks++;
			*bus_ns = nak_ns;
			return -MXRT_ENXIO;
		}
		Advance(now);
		u64 bits = upto < n ? kNakBits : 0; // the NAKed address byte
		for (int i = 0; i < upto; i++)
			bits += 9ull * (msgs[i].len + 1) + 2; // address byte, data bytes, ACKs, start/stop
		if (faults_.bus_khz != 0)
			*bus_ns = bits * 1'000'000ull / faults_.bus_khz;
		cnt_.xfers++;
		// fault_after=K delays the armed transfer faults by K transfers: with nak=1 it fails
		// exactly the (K+1)-th, so a test can fail each step of a driver's probe in turn
		const bool delayed = faults_.fault_after != 0 &&
				     (faults_.nak | faults_.timeout | faults_.hang | faults_.taken_fail) != 0;
		if (delayed) {
			faults_.fault_after--;
		} else if (faults_.nak != 0) {
			faults_.nak--;
			cnt_.naks++;
			*bus_ns = nak_ns;
			return -MXRT_ENXIO;
		} else if (faults_.timeout != 0) {
			faults_.timeout--;
			cnt_.timeouts++;
			*bus_ns = kTimeoutNs;
			return -MXRT_ETIMEDOUT;
		} else if (faults_.hang != 0) {
			// A stuck bus (SDA held low): the start condition never reaches the chip, and the
			// transfer waits until the bus is recovered or the adapter gives up (HangEnded).
			faults_.hang--;
			cnt_.hangs++;
			*bus_ns = MXRT_SIM_BUS_HANG;
			return -MXRT_ETIMEDOUT;
		}
		if (faults_.late_every != 0 && ++late_count_ % faults_.late_every == 0)
			*bus_ns += faults_.late_us * 1000;
		// taken_fail: the chip takes the whole transfer (every byte ACKed, a write done, a read
		// popped), and the adapter still reports a timeout (the STOP or the last ACK lost on
		// its side): a failed transfer that took effect, which a driver cannot tell from one
		// that did not
		const bool taken_fail = !delayed && faults_.taken_fail != 0;
		if (taken_fail) {
			faults_.taken_fail--;
			cnt_.taken_fails++;
			*bus_ns = kTimeoutNs;
		}
		for (int i = 0; i < upto; i++) {
			mxrt_sim_msg &m = msgs[i];
			cnt_.xfer_bytes += m.len;
			if (m.flags & MXRT_SIM_MSG_READ) {
				for (u16 k = 0; k < m.len; k++) {
					m.buf[k] = ReadByte(now);
					SyncLine();
				}
			} else if (m.len > 0) {
				reg_ptr_ = m.buf[0]; // a write sets the register pointer, then data
				for (u16 k = 1; k < m.len; k++) {
					WriteByte(m.buf[k], now);
					SyncLine();
				}
			}
		}
		return taken_fail ? -MXRT_ETIMEDOUT : upto < n ? -MXRT_ENXIO : n;
	}

	// The adapter's bus recovery (nine SCL pulses and a STOP): it frees a stuck bus; the chip
	// abandons any transaction in progress, which between transfers is none (its register
	// pointer stays, as a STOP leaves it). The recovery_fails fault: SCL is held low, the pulses
	// cannot be clocked and nothing is freed; -EBUSY, as i2c_generic_scl_recovery says then.
	int BusRecovery() {
		if (faults_.recovery_fails != 0) {
			faults_.recovery_fails--;
			cnt_.bus_recovery_failures++;
			return -MXRT_EBUSY;
		}
		cnt_.bus_recoveries++;
		return 0;
	}

	// A hung transfer ended: freed by a bus recovery (recovered) or given up by the adapter
	// after its timeout. Either way it was aborted: what the transfer returns.
	int HangEnded(bool recovered) {
		if (recovered)
			cnt_.hangs_recovered++;
		else
			cnt_.hangs_timed_out++;
		return -MXRT_ETIMEDOUT;
	}

	void Advance(u64 now) {
		if (temp_done_ != kNever && now >= temp_done_)
			FinishTemperature();
		if (!sampling_ || ovf_hold_ || now < next_sample_)
			return;
		u64 due = (now - next_sample_) / period_ + 1;
		if (due > kMaxCatchUp)
			due = SkipTo(due);
		PushDue(due);
	}

	// The next @n samples, taken one period apart.
	void PushDue(u64 n) {
		for (u64 i = 0; i < n; i++) {
			PushSample(next_sample_);
			next_sample_ += period_;
		}
	}

	// Far behind (nothing advanced the model for a while): the chip took all @due samples, and
	// what its registers show is as if each had been pushed (PushSample), but only those that
	// stay in the FIFO are generated. Returns how many are still to push.
	//  - Without rollover the FIFO keeps the oldest: they are pushed, the rest are lost.
	//  - With rollover the newest kMaxCatchUp (over a FIFO) are pushed by the caller; each older
	//    one moved FIFO_WR_PTR, and once the FIFO was full overwrote the oldest sample, moving
	//    FIFO_RD_PTR and counting in OVF_COUNTER. A_FULL is set if they reached its threshold.
	u64 SkipTo(u64 due) {
		if (!(reg_[MAX30102_REG_FIFO_CONFIG] & MAX30102_FIFO_ROLLOVER_EN)) {
			const u64 keep = MAX30102_FIFO_DEPTH - count_;
			PushDue(keep);
			cnt_.samples += due - keep;
			Overflowed(due - keep);
			next_sample_ += (due - keep) * period_;
			return 0;
		}
		const u64 skipped = due - kMaxCatchUp;
		const u64 fill = Min<u64>(skipped, MAX30102_FIFO_DEPTH - count_);
		if (count_ < Threshold() && count_ + fill >= Threshold())
			reg_[MAX30102_REG_INT_STATUS1] |= MAX30102_INT_A_FULL;
		cnt_.samples += skipped;
		if (skipped > fill)
			Overflowed(skipped - fill);
		count_ += u32(fill);
		wr_ = u8((wr_ + skipped) & 31);
		rd_ = u8((wr_ - count_) & 31);
		last_popped_ = -1;
		next_sample_ += skipped * period_;
		SyncLine();
		return kMaxCatchUp;
	}

	// DS p.12: "Whenever an interrupt is triggered, the MAX30102 pulls the active-low interrupt
	// pin into its low state until the interrupt is cleared", and "each source of hardware
	// interrupt, with the exception of power ready, can be disabled": the pin follows the enabled
	// status bits and PWR_RDY.
	bool LineAsserted() const {
		if (!powered_)
			return false; // nothing drives the open-drain pin: its pull-up holds it high
		const u8 en1 = reg_[MAX30102_REG_INT_ENABLE1] | MAX30102_INT_PWR_RDY;
		return faults_.stuck_irq || (reg_[MAX30102_REG_INT_STATUS1] & en1) != 0 ||
		       (reg_[MAX30102_REG_INT_STATUS2] & reg_[MAX30102_REG_INT_ENABLE2]) != 0;
	}

	// The interrupt controller sees the pin: latch an edge in the direction it senses.
	void SyncLine() {
		const bool low = LineAsserted();
		if (low != pin_low_) {
			if (trigger_ & (low ? MXRT_SIM_TRIGGER_EDGE_FALLING : MXRT_SIM_TRIGGER_EDGE_RISING))
				edge_pending_ = true;
			pin_low_ = low;
		}
		if (!LevelActive())
			suppressed_ = false; // the level went away: its next assertion is a new one
	}

	bool Edge() const { return (trigger_ & MXRT_SIM_TRIGGER_EDGE_BOTH) != 0; }
	bool LevelActive() const {
		return trigger_ & MXRT_SIM_TRIGGER_LEVEL_HIGH ? !pin_low_ : pin_low_;
	}

	int SetTrigger(u32 t) {
		const bool edge = (t & MXRT_SIM_TRIGGER_EDGE_BOTH) != 0;
		const bool level = (t & (MXRT_SIM_TRIGGER_LEVEL_HIGH | MXRT_SIM_TRIGGER_LEVEL_LOW)) != 0;
		if (t == 0 || (edge && level) || (t & ~u32(0xf)) ||
		    t == (MXRT_SIM_TRIGGER_LEVEL_HIGH | MXRT_SIM_TRIGGER_LEVEL_LOW))
			return -MXRT_EINVAL;
		trigger_ = t;
		edge_pending_ = false; // a new sense starts from the pin as it is: no edge yet
		suppressed_ = false;
		return 0;
	}

	mxrt_sim_irq_action IrqPoll(u64 now, bool masked) {
		if (faults_.storm != 0) { // glitches on the line: each one is an interrupt
			if (masked)
				return MXRT_SIM_IRQ_NONE;
			faults_.storm--;
			cnt_.irqs_storm++;
			cnt_.irqs_raised++;
			return MXRT_SIM_IRQ_RAISE;
		}
		if (Edge()) {
			// Latched by SyncLine, kept while masked (delivered at unmask), consumed here.
			if (!edge_pending_ || masked)
				return MXRT_SIM_IRQ_NONE;
			edge_pending_ = false;
			if (faults_.lose_irq != 0) {
				faults_.lose_irq--;
				cnt_.irqs_lost++;
				return MXRT_SIM_IRQ_NONE; // this edge never reaches the host
			}
			cnt_.irqs_raised++;
			return MXRT_SIM_IRQ_RAISE;
		}
		if (!LevelActive() || suppressed_ || masked)
			return MXRT_SIM_IRQ_NONE;
		if (faults_.lose_irq != 0) {
			faults_.lose_irq--;
			cnt_.irqs_lost++;
			suppressed_ = true; // this assertion never reaches the host
			return MXRT_SIM_IRQ_NONE;
		}
		cnt_.irqs_raised++;
		return MXRT_SIM_IRQ_RAISE;
	}

	// Whether IrqPoll would act now (deliver, or drop by the lose_irq fault), without doing it:
	// for a caller that cannot deliver in its own context and hands the poll to one that can.
	bool IrqDue(bool masked) const {
		if (masked)
			return false;
		if (faults_.storm != 0)
			return true;
		if (Edge())
			return edge_pending_;
		return LevelActive() && !suppressed_;
	}

	u64 NextEvent(u64 now, bool masked) const {
		u64 next = temp_done_;
		if (faults_.storm != 0 && !masked)
			next = Min(next, now + kStormPeriodNs);
		if (sampling_ && !ovf_hold_)
			next = Min(next, NextSampleEvent());
		return next;
	}

	u8 Peek(u8 reg) const {
		switch (reg) {
		case MAX30102_REG_FIFO_WR_PTR: return wr_;
		case MAX30102_REG_FIFO_RD_PTR: return rd_;
		case MAX30102_REG_OVF_COUNTER: return ovf_;
		case MAX30102_REG_REV_ID: return kRevId;
		case MAX30102_REG_PART_ID: return u8(faults_.part_id);
		default: return reg_[reg];
		}
	}

	int Control(const char *text, usize len, u64 now);
	usize Show(char *buf, usize size) const;

	Replay *SwapReplay(Replay *r, u64 now) {
		Replay *old = replay_;
		replay_ = r;
		replay_start_ = now;
		return old;
	}

	Replay *ApplyUpload(const Upload *u, int err, Replay *r, u64 now) {
		upload_ = UploadOutcome{};
		upload_.err = err;
		if (err != 0) {
			upload_.result = UploadOutcome::Result::kRejected;
			upload_.line = u != nullptr ? u->ErrorLine(&upload_.why) : 0;
			return nullptr;
		}
		upload_.result = r != nullptr ? UploadOutcome::Result::kApplied : UploadOutcome::Result::kOff;
		return SwapReplay(r, now);
	}

	// The overflow fault: the FIFO fills and exactly v samples are lost, as if the host had not
	// read it for 32 - unread + v sample periods (a long bus stall, a lost interrupt and a late
	// watchdog, ...): OVF_COUNTER = v, A_FULL latched on the way. Sampling then waits for the
	// host's next FIFO access (a FIFO_DATA read or a pointer write) or reconfiguration, so that
	// the host's reaction time, whatever it is, loses nothing more: v is exact.
	void InjectOverflow(u64 v, u64 now) {
		faults_.overflow = v;
		if (v == 0 || !sampling_)
			return;
		const u64 n = MAX30102_FIFO_DEPTH - count_ + v;
		for (u64 i = 0; i < n; i++)
			PushSample(now);
		ovf_hold_ = true;
	}

	// Public to the control table below; nothing outside this file sees the class.
	// The chip's registers. FIFO pointers and counters live in the members below.
	u8 reg_[256];
	u8 fifo_[MAX30102_FIFO_DEPTH][MAX30102_MAX_CHANNELS * 3];
	u8 popped_[MAX30102_MAX_CHANNELS * 3]; // the sample being read out through FIFO_DATA
	u8 wr_ = 0, rd_ = 0, ovf_ = 0;
	// the slot of the sample the host popped last, while nothing else moved the FIFO since (no
	// sample taken, no pointer write): a FIFO_RD_PTR write back onto it is the datasheet's re-read
	s32 last_popped_ = -1;
	u32 count_ = 0;    // unread samples (0..32): the pointers alone cannot tell full from empty
	u32 byte_pos_ = 0; // bytes of popped_ already read (0: no sample being read)
	u32 popped_len_ = 0;
	u8 reg_ptr_ = 0;
	bool sampling_ = false, ovf_hold_ = false;
	bool powered_ = true; // the supply (SetPower): off, the chip does nothing at all
	bool rate_capped_ = false; // sampling below SPO2_SR: the mode changed after it (UpdateSampling)
	u64 period_ = 0, next_sample_ = kNever, temp_done_ = kNever;
	u32 channels_ = 0, adc_bits_ = 18;
	u32 trigger_ = MXRT_SIM_TRIGGER_LEVEL_LOW;
	bool pin_low_ = false, edge_pending_ = false, suppressed_ = false;
	u32 heart_phase_ = 0, wander_phase_ = 0;
	u64 last_signal_t_ = 0;
	u32 rng_ = 0x2545f491;
	s64 motion_offset_ = 0;
	SignalParams sig_;
	Faults faults_;
	u64 late_count_ = 0; // transfers that reached the chip since late_every was set
	Counters cnt_{};
	Replay *replay_ = nullptr;
	u64 replay_start_ = 0;
	UploadOutcome upload_;

	void ResetFifo() {
		wr_ = rd_ = ovf_ = 0;
		last_popped_ = -1;
		count_ = byte_pos_ = popped_len_ = 0;
	}

	bool Shutdown() const { return (reg_[MAX30102_REG_MODE_CONFIG] & MAX30102_MODE_SHDN) != 0; }

	u32 Threshold() const { return 32 - AFull::Get(reg_[MAX30102_REG_FIFO_CONFIG]); }

	// The next sample that can change the pin (only enabled interrupts drive it).
	u64 NextSampleEvent() const {
		const u8 en = reg_[MAX30102_REG_INT_ENABLE1];
		if (en & MAX30102_INT_PPG_RDY || en & MAX30102_INT_ALC_OVF)
			return next_sample_;
		if (en & MAX30102_INT_A_FULL && count_ < Threshold())
			return next_sample_ + (Threshold() - count_ - 1) * period_;
		// Full with rollover: each sample overwrites the oldest and leaves the count at 32, which
		// is the threshold again when FIFO_A_FULL is 0 (PushSample sets A_FULL for it).
		if (en & MAX30102_INT_A_FULL && count_ == MAX30102_FIFO_DEPTH &&
		    Threshold() == MAX30102_FIFO_DEPTH &&
		    (reg_[MAX30102_REG_FIFO_CONFIG] & MAX30102_FIFO_ROLLOVER_EN))
			return next_sample_;
		return kNever;
	}

	// DS, SPO2_SR: "If the user selects a sample rate that is too high for the selected LED_PW
	// setting, the highest possible sample rate is programmed instead into the register" (tables
	// 11 and 12: the limit depends on the mode). Judged by the mode set now; with no sampling
	// mode set (000 after a reset) there is no table to judge by, and the value is kept.
	void WriteSpo2Config(u8 v, u64 now) {
		u8 val = v & 0x7f;
		const u32 m = ModeBits::Get(reg_[MAX30102_REG_MODE_CONFIG]);
		if (m == MAX30102_MODE_HR || m == MAX30102_MODE_SPO2 || m == MAX30102_MODE_MULTI) {
			const u32 max_sr = MaxSampleRateCode(m, LedPw::Get(val));
			if (SampleRate::Get(val) > max_sr) {
				val = SampleRate::Set(val, max_sr);
				cnt_.rate_clamped++;
			}
		}
		reg_[MAX30102_REG_SPO2_CONFIG] = val;
		UpdateSampling(now);
	}

	// Re-derives whether and how fast the chip samples after a configuration write.
	void UpdateSampling(u64 now) {
		const u8 mode = reg_[MAX30102_REG_MODE_CONFIG];
		const u8 spo2 = reg_[MAX30102_REG_SPO2_CONFIG];
		const u32 sr = SampleRate::Get(spo2), pw = LedPw::Get(spo2);
		const u32 avg = AverageFromCode(SmpAve::Get(reg_[MAX30102_REG_FIFO_CONFIG]));
		const u32 m = ModeBits::Get(mode);
		const u32 ch = Channels(m, reg_[MAX30102_REG_MULTI_LED1], reg_[MAX30102_REG_MULTI_LED2]);
		const bool on = !(mode & MAX30102_MODE_SHDN) && ch != 0;
		// A mode changed after SPO2_CONFIG can make its rate too high for the pulse width: the
		// datasheet does not say what happens then; the model samples at the highest rate the
		// mode allows, as the chip does for a rate written too high (WriteSpo2Config), and counts
		// the change into that state.
		const u32 max_sr = MaxSampleRateCode(m, pw), eff_sr = Min(sr, max_sr);
		if (on && eff_sr < sr && !(sampling_ && rate_capped_))
			cnt_.rate_clamped++;
		rate_capped_ = on && eff_sr < sr;
		const u64 period = SamplePeriodNs(kSampleRates[eff_sr], avg);
		if (on && (!sampling_ || ovf_hold_ || period != period_ || ch != channels_))
			next_sample_ = now + period; // a new configuration starts a new sample
		if (!on)
			next_sample_ = kNever;
		sampling_ = on;
		ovf_hold_ = false;
		period_ = period;
		channels_ = ch;
		adc_bits_ = AdcBits(pw);
	}

	// The host touched the FIFO after an injected overflow: sampling goes on from now.
	void ReleaseOverflowHold(u64 now) {
		if (!ovf_hold_)
			return;
		ovf_hold_ = false;
		next_sample_ = now + period_;
	}

	void Overflowed(u64 n) {
		cnt_.fifo_overflows += n;
		ovf_ = u8(Min<u64>(31, ovf_ + n));
	}

	void PushSample(u64 t) {
		cnt_.samples++;
		u32 code[2];
		Measure(t, code);
		if (count_ == MAX30102_FIFO_DEPTH) {
			// DS p.13 (OVF_COUNTER): "When the FIFO is full, samples are not pushed on to the
			// FIFO, samples are lost"; p.17 (FIFO_ROLLOVER_EN): with rollover the FIFO keeps
			// filling, overwriting the oldest sample.
			Overflowed(1);
			if (!(reg_[MAX30102_REG_FIFO_CONFIG] & MAX30102_FIFO_ROLLOVER_EN))
				return; // the new sample is lost, the FIFO keeps the old ones
			rd_ = (rd_ + 1) & 31; // rollover: the oldest sample is overwritten
			count_--;
		}
		u8 *s = fifo_[wr_];
		for (u32 c = 0; c < channels_; c++) {
			const u32 slot = ModeBits::Get(reg_[MAX30102_REG_MODE_CONFIG]) == MAX30102_MODE_MULTI ?
				SlotOf(reg_[MAX30102_REG_MULTI_LED1], reg_[MAX30102_REG_MULTI_LED2], c) :
				c + 1;
			// a slot with its LED off (011, 100) sees no LED light: the dark code
			u32 v = slot == MAX30102_SLOT_IR ? code[1] : slot == MAX30102_SLOT_RED ? code[0] : 0;
			v &= 0x3ffffu & ~((1u << (18 - adc_bits_)) - 1); // left-justified at the resolution
			s[3 * c] = u8(v >> 16);
			s[3 * c + 1] = u8(v >> 8);
			s[3 * c + 2] = u8(v);
		}
		wr_ = (wr_ + 1) & 31;
		last_popped_ = -1;
		count_++;
		// The events set their status bits whether or not the interrupt is enabled: the
		// enables only gate the pin (DS p.12; Maxim's application note "How do I set up
		// interrupt for MAX30101/MAX30102": without A_FULL_EN / PPG_RDY_EN "the host will have
		// to poll the Interrupt Status 1 register to determine whether the interrupt has
		// occurred"). A_FULL: DS p.12 "triggers when the FIFO write pointer has a certain number
		// of free spaces remaining" (the write that reaches the threshold; not again until the
		// count comes back to it).
		u8 &st = reg_[MAX30102_REG_INT_STATUS1];
		st |= MAX30102_INT_PPG_RDY;
		if (count_ == Threshold())
			st |= MAX30102_INT_A_FULL;
		// ALC_OVF is not set: DS, "triggers when the ambient light cancellation function ... has
		// reached its maximum limit, and therefore, ambient light is affecting the output of the
		// ADC". The model has no ambient light; LED light that saturates the ADC is not that (it
		// used to set it).
		SyncLine();
	}

	u32 NextRandom() { // xorshift32
		rng_ ^= rng_ << 13;
		rng_ ^= rng_ >> 17;
		rng_ ^= rng_ << 5;
		return rng_;
	}

	// The ADC codes (18-bit) of red [0] and IR [1] at time t, clipped at full scale.
	void Measure(u64 t, u32 code[2]) {
		if (replay_ != nullptr && replay_->n > 1 && replay_->duration_us != 0) {
			const u64 us = ((t > replay_start_ ? t - replay_start_ : 0) / 1000) % replay_->duration_us;
			u32 lo = 0, hi = replay_->n - 1;
			while (hi - lo > 1) { // the last sample at or before us
				const u32 mid = (lo + hi) / 2;
				(replay_->t_us[mid] <= us ? lo : hi) = mid;
			}
			const u64 t0 = replay_->t_us[lo], t1 = replay_->t_us[hi];
			const u64 f = t1 > t0 ? (Min(us, t1) - Min(us, t0)) * 1024 / (t1 - t0) : 0;
			code[0] = u32((s64(replay_->red[lo]) * s64(1024 - f) + s64(replay_->red[hi]) * s64(f)) / 1024);
			code[1] = u32((s64(replay_->ir[lo]) * s64(1024 - f) + s64(replay_->ir[hi]) * s64(f)) / 1024);
			return;
		}
		// Advance the phases by the time since the previous sample, so that a catch-up that
		// generates only the newest samples (SkipTo) plays the same signal. At most 100 s: the
		// products below stay in 64 bits (up to 850 s at 300 bpm), and the phase is modular.
		const u64 dt = Min<u64>(last_signal_t_ == 0 || t < last_signal_t_ ? 0 : t - last_signal_t_,
					100'000'000'000ull);
		last_signal_t_ = t;
		// cycles/ns = bpm / 60e9; phase is 2^32 per cycle
		heart_phase_ += u32((u64(sig_.hr_milli) * 71582ull / 1000) * dt / 1'000'000ull);
		wander_phase_ += u32(dt * 537ull / 1000ull); // 0.125 Hz: 2^32 x 0.125e-9 per ns
		const u32 idx = heart_phase_ >> 26, frac = (heart_phase_ >> 10) & 0xffff;
		const s64 shape = (s64(kPulse[idx]) * (65536 - frac) + s64(kPulse[(idx + 1) & 63]) * frac) >> 16;

		const u32 led_red = reg_[MAX30102_REG_LED1_PA] * kLedStepUa;
		const u32 led_ir = reg_[MAX30102_REG_LED2_PA] * kLedStepUa;
		// DC photocurrent in pA (see kIrPaPerUa for the calibration).
		s64 dc_ir = s64(led_ir) * (sig_.finger ? kIrPaPerUa : kNoFingerPaPerUa);
		s64 dc_red = s64(led_red) * (sig_.finger ? kRedPaPerUa : kNoFingerPaPerUa);
		// R = (AC/DC)red / (AC/DC)ir, in thousandths, from the driver's default calibration line
		// SpO2 = a - b R (kernel/max30102/vitals.h): the simulated finger reads back as the
		// SpO2 it was given through a driver that uses that line
		const s64 r_milli = (MXRT_VITALS_SPO2_A_MILLI - sig_.spo2_milli) * 1000 / MXRT_VITALS_SPO2_B_MILLI;
		s64 ac_ir = sig_.finger ? dc_ir * sig_.perfusion_milli / 100'000 : 0;
		s64 ac_red = sig_.finger ? dc_red * sig_.perfusion_milli / 100'000 * r_milli / 1000 : 0;
		const s64 wander = Triangle(wander_phase_) * sig_.wander_milli / 100; // ppm
		const s64 noise = s64(NextRandom() % 2001) - 1000;
		if (sig_.motion && (NextRandom() & 31) == 0)
			motion_offset_ = (s64(NextRandom() % 2001) - 1000) * 30; // steps of up to 3 % x 10
		else if (!sig_.motion)
			motion_offset_ = 0;
		const s64 mod = 1'000'000 + wander + noise * sig_.noise_milli / 100 + motion_offset_; // ppm
		const s64 i_ir = (dc_ir - ac_ir * shape / 1000) * mod / 1'000'000;
		const s64 i_red = (dc_red - ac_red * shape / 1000) * mod / 1'000'000;
		const u32 rge = AdcRge::Get(reg_[MAX30102_REG_SPO2_CONFIG]);
		const s64 full_scale_pa = s64(kAdcRanges[rge]) * 1000;
		const s64 in[2] = {i_red, i_ir};
		for (int c = 0; c < 2; c++) {
			const s64 v = in[c] * 262144 / full_scale_pa;
			code[c] = u32(v < 0 ? 0 : v > 262143 ? 262143 : v);
		}
	}

	void FinishTemperature() {
		temp_done_ = kNever;
		cnt_.temp_conversions++;
		s64 t = sig_.temp_milli;
		s64 whole = t >= 0 ? t / 1000 : -((-t + 999) / 1000); // floor
		reg_[MAX30102_REG_TEMP_INT] = u8(s32(whole));
		reg_[MAX30102_REG_TEMP_FRAC] = TempFrac::Prep(u64((t - whole * 1000) * 16 / 1000));
		reg_[MAX30102_REG_TEMP_CONFIG] = 0;
		if (!Shutdown()) // DS p.17: in shutdown "all interrupts are cleared to zero"
			reg_[MAX30102_REG_INT_STATUS2] |= MAX30102_INT_DIE_TEMP_RDY;
		SyncLine();
	}

	u8 ReadByte(u64 now) {
		const u8 r = reg_ptr_;
		u8 v;
		if (r == MAX30102_REG_FIFO_DATA) {
			// The only register that does not advance the register pointer (DS p.14): each
			// byte is the next byte of FIFO data. DS p.12: reading FIFO_DATA clears PPG_RDY.
			reg_[MAX30102_REG_INT_STATUS1] &= u8(~MAX30102_INT_PPG_RDY);
			ReleaseOverflowHold(now);
			if (byte_pos_ == 0) {
				if (count_ == 0 || channels_ == 0) {
					// Datasheet-silent: an empty FIFO reads as zeros, the pointers stay. So
					// does one whose samples have no bytes now (mode 000, or multi-LED with
					// SLOT1 off): every byte read popped a whole sample and returned a stale
					// byte of an earlier one.
					cnt_.empty_fifo_reads++;
					return 0;
				}
				// DS p.15: "The FIFO read pointer is automatically incremented after the
				// first byte of each sample is read." The sample is popped then (OVF_COUNTER
				// clears, DS p.13); its other bytes follow from where it was latched.
				popped_len_ = 3 * channels_;
				for (u32 k = 0; k < popped_len_; k++)
					popped_[k] = fifo_[rd_][k];
				last_popped_ = rd_;
				rd_ = (rd_ + 1) & 31;
				count_--;
				ovf_ = 0;
			}
			v = popped_[byte_pos_++];
			if (byte_pos_ >= popped_len_)
				byte_pos_ = 0;
			return v;
		}
		v = Peek(r);
		if (r == MAX30102_REG_INT_STATUS1 || r == MAX30102_REG_INT_STATUS2)
			reg_[r] = 0; // DS p.12: cleared by reading the status register
		if (r == MAX30102_REG_TEMP_FRAC) // DS p.12: "or the TFRAC register"
			reg_[MAX30102_REG_INT_STATUS2] &= u8(~MAX30102_INT_DIE_TEMP_RDY);
		// DS p.14: reading past 0xFF does not wrap to 0x00; what it reads is not meaningful
		// (here: PART_ID again).
		if (r != 0xff)
			reg_ptr_ = u8(r + 1);
		return v;
	}

	void WriteByte(u8 v, u64 now) {
		const u8 r = reg_ptr_;
		// DS "Write Data Format": the pointer increments after each byte received ("the entire
		// register bank can be written by one time"); it stays on FIFO_DATA only when reading. A
		// burst through FIFO_DATA (a byte written there is ignored) went no further.
		reg_ptr_ = r == 0xff ? r : u8(r + 1);
		bool full_after_write = false; // FIFO_RD_PTR below
		switch (r) {
		case MAX30102_REG_INT_ENABLE1:
			reg_[r] = v & (MAX30102_INT_A_FULL | MAX30102_INT_PPG_RDY | MAX30102_INT_ALC_OVF);
			return;
		case MAX30102_REG_INT_ENABLE2:
			reg_[r] = v & MAX30102_INT_DIE_TEMP_RDY;
			return;
		case MAX30102_REG_FIFO_WR_PTR: {
			// DS (FIFO_WR_PTR): "It can also be changed through the I2C interface when
			// MODE[2:0] is 010, 011, or 111" (SHDN aside): not, say, right after a reset
			const u32 mode = ModeBits::Get(reg_[MAX30102_REG_MODE_CONFIG]);
			if (mode != MAX30102_MODE_HR && mode != MAX30102_MODE_SPO2 && mode != MAX30102_MODE_MULTI)
				return;
			wr_ = v & 31;
			break;
		}
		case MAX30102_REG_FIFO_RD_PTR: {
			// Equal pointers after the write are full or empty (the pointers cannot say):
			// empty (a skip over what was unread, the datasheet's clearing of all three to
			// 0x00), except where the write is the datasheet's re-read, "decrement its value by
			// one and read the data register again": back onto the sample just popped, with
			// nothing else moving the FIFO in between. A full FIFO after one pop is full again
			// then; equal pointers were always empty, and that re-read lost 32 samples,
			// uncounted. A write of the pointer as it is changes nothing.
			const u8 old = rd_;
			rd_ = v & 31;
			if (rd_ == wr_ && (rd_ == old ? count_ == MAX30102_FIFO_DEPTH : s32(rd_) == last_popped_))
				full_after_write = true;
			break;
		}
		case MAX30102_REG_OVF_COUNTER:
			ovf_ = v & 31;
			return;
		case MAX30102_REG_SPO2_CONFIG:
			WriteSpo2Config(v, now);
			return;
		case MAX30102_REG_FIFO_CONFIG:
		case MAX30102_REG_MULTI_LED1:
		case MAX30102_REG_MULTI_LED2:
			reg_[r] = v & (r == MAX30102_REG_FIFO_CONFIG ? 0xff : 0x77);
			UpdateSampling(now);
			return;
		case MAX30102_REG_MODE_CONFIG:
			if (v & MAX30102_MODE_RESET) {
				// Every register to its power-on value; the bit clears itself. DS p.17:
				// "Setting the RESET bit does not trigger a PWR_RDY interrupt event." A
				// temperature conversion under way ends with it: TEMP_CONFIG reads 0, and a
				// TEMP_EN written next starts one (it was ignored while the old one ran on, and
				// a host polling TEMP_EN read TINT 0 at once).
				PowerOn(now, PwrRdy::kNo);
				return;
			}
			if ((v & MAX30102_MODE_SHDN) && !Shutdown())
				cnt_.shutdowns++;
			reg_[r] = v & (MAX30102_MODE_SHDN | MAX30102_MODE);
			if (v & MAX30102_MODE_SHDN) {
				// DS p.17 (SHDN): "While in power-save mode, all registers retain their
				// values ... All interrupts are cleared to zero in this mode."
				reg_[MAX30102_REG_INT_STATUS1] = 0;
				reg_[MAX30102_REG_INT_STATUS2] = 0;
			}
			UpdateSampling(now);
			return;
		case MAX30102_REG_LED1_PA:
		case MAX30102_REG_LED2_PA:
			reg_[r] = v;
			return;
		case MAX30102_REG_TEMP_CONFIG:
			if ((v & MAX30102_TEMP_EN) && temp_done_ == kNever) {
				reg_[r] = 1;
				temp_done_ = now + kTempConversionNs;
			}
			return;
		default:
			return; // read-only or reserved: ignored
		}
		// A pointer write: the FIFO holds what lies between the pointers, and a sample being
		// read out is abandoned.
		count_ = FifoUnread(wr_, rd_, full_after_write);
		last_popped_ = -1;
		byte_pos_ = 0;
		ReleaseOverflowHold(now);
	}
};

// One control key: where it goes and its range.
struct ControlWord {
	const char *key;
	s64 min, max; // in thousandths for fixed-point keys, units otherwise
	bool milli;
	bool needs_sampling; // a non-zero value needs a sampling chip (else EINVAL)
	void (*apply)(Sim &, s64 v, u64 now);
	bool (*allowed)(s64 v) = nullptr; // within min..max, only these values (else EINVAL)
	bool stops_sampling = false; // applied, the chip samples no more (words after it see that)
	bool needs_power = false; // refused (EINVAL) while the supply is off
};

#define MXRT_SIG(field) [](Sim &s, s64 v, u64) { s.sig_.field = v; }
#define MXRT_FAULT(field) [](Sim &s, s64 v, u64) { s.faults_.field = u64(v); }
static const ControlWord kControls[] = {
	{"hr", 20'000, 250'000, true, false, MXRT_SIG(hr_milli)},
	{"spo2", 50'000, 100'000, true, false, MXRT_SIG(spo2_milli)},
	{"perfusion", 0, 20'000, true, false, MXRT_SIG(perfusion_milli)},
	{"noise", 0, 10'000, true, false, MXRT_SIG(noise_milli)},
	{"wander", 0, 10'000, true, false, MXRT_SIG(wander_milli)},
	{"temp", -40'000, 85'000, true, false, MXRT_SIG(temp_milli)},
	{"finger", 0, 1, false, false, [](Sim &s, s64 v, u64) { s.sig_.finger = v != 0; }},
	{"motion", 0, 1, false, false, [](Sim &s, s64 v, u64) { s.sig_.motion = v != 0; }},
	{"nak", 0, 1'000'000, false, false, MXRT_FAULT(nak)},
	{"timeout", 0, 1'000, false, false, MXRT_FAULT(timeout)},
	{"fault_after", 0, 1'000'000, false, false, MXRT_FAULT(fault_after)},
	{"taken_fail", 0, 1'000, false, false, MXRT_FAULT(taken_fail)},
	{"hang", 0, 1'000, false, false, MXRT_FAULT(hang)},
	{"recovery_fails", 0, 1'000, false, false, MXRT_FAULT(recovery_fails)},
	{"storm", 0, 1'000'000, false, false, MXRT_FAULT(storm)},
	{"lose_irq", 0, 1'000'000, false, false, MXRT_FAULT(lose_irq)},
	{"stuck_irq", 0, 1, false, false, [](Sim &s, s64 v, u64) { s.faults_.stuck_irq = v != 0; }},
	{"overflow", 0, 31, false, true, [](Sim &s, s64 v, u64 now) { s.InjectOverflow(u64(v), now); }},
	{"part_id", 0, 255, false, false, MXRT_FAULT(part_id)},
	// Only the chip's own speeds (standard and fast mode): a slow bus sleeps for the wire time
	// with the adapter's bus lock held (1 kHz would keep a FIFO burst on the bus for 1 s).
	{"bus_khz", 0, 400, false, false, MXRT_FAULT(bus_khz), [](s64 v) { return v == 0 || v == 100 || v == 400; }},
	// Another device (or master) holds the bus for this long when the next FIFO_DATA read comes:
	// the read reaches the chip that much later (mxrt_sim_bus_wait), as a host held off between
	// its pointer read and its FIFO read would. Once. A hold longer than a driver's stuck-bus
	// timeout (ours: bus_timeout_ms, 200 ms by default) fires its bus watchdog, as it would on a
	// real bus.
	{"busy_ms", 0, 1'000, false, false, MXRT_FAULT(busy_ms)},
	// Every late_every-th transfer that reaches the chip (0: none) returns late_us after its wire
	// time, what the chip sent latched at its start: an adapter whose completion interrupt, or
	// whose caller's wake-up, came late. Up to 100 ms (20 ms while fsleep, which slept up to twice that,
	// timed it); slept with an hrtimer of no slack (sim_wait).
	{"late_us", 0, 100'000, false, false, MXRT_FAULT(late_us)},
	{"late_every", 0, 1'000, false, false, [](Sim &s, s64 v, u64) { s.faults_.late_every = u64(v); s.late_count_ = 0; }},
	{"power_on", 1, 1, false, false, [](Sim &s, s64, u64 now) { s.PowerOn(now); }, nullptr, true, true},
};
#undef MXRT_SIG
#undef MXRT_FAULT

int Sim::Control(const char *text, usize len, u64 now) {
	// Two passes: validate every word, then apply, so a bad word changes nothing. The words apply
	// in order, so the first pass judges each one by the state the words before it leave.
	for (int pass = 0; pass < 2; pass++) {
		usize i = 0, words = 0;
		bool sampling = sampling_;
		while (i < len) {
			while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\0'))
				i++;
			if (i == len)
				break;
			const usize start = i;
			while (i < len && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\0')
				i++;
			words++;
			usize eq = start;
			while (eq < i && text[eq] != '=')
				eq++;
			if (eq == i)
				return -MXRT_EINVAL;
			const ControlWord *w = nullptr;
			for (const ControlWord &c : kControls)
				if (Eq(text + start, eq - start, c.key))
					w = &c;
			if (w == nullptr)
				return -MXRT_EINVAL;
			s64 v;
			u64 u;
			if (w->milli) {
				if (!ParseMilli(text + eq + 1, i - eq - 1, &v))
					return -MXRT_EINVAL;
			} else {
				if (!ParseU64(text + eq + 1, i - eq - 1, &u) || u > 1'000'000'000ull)
					return -MXRT_EINVAL;
				v = s64(u);
			}
			if (v < w->min || v > w->max || (w->allowed != nullptr && !w->allowed(v)))
				return -MXRT_EINVAL;
			if (pass == 0 && w->needs_sampling && v != 0 && !sampling)
				return -MXRT_EINVAL;
			if (pass == 0 && w->needs_power && !powered_)
				return -MXRT_EINVAL; // a power cycle cannot power a chip whose supply is off
			if (w->stops_sampling)
				sampling = false;
			if (pass == 1)
				w->apply(*this, v, now);
		}
		if (words == 0)
			return -MXRT_EINVAL; // blank: nothing was asked, so nothing is "applied"
	}
	SyncLine(); // stuck_irq, power_on and the overflow fault move the pin
	return 0;
}

usize Sim::Show(char *buf, usize size) const {
	usize n = 0;
#define OUT(...) n += usize(mxrt_shim_scnprintf(buf + n, size - n, __VA_ARGS__))
	OUT("registers:");
	static const u8 kShown[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a,
				    0x0c, 0x0d, 0x11, 0x12, 0x1f, 0x20, 0x21, 0xfe, 0xff};
	for (u8 r : kShown)
		OUT(" %02x=%02x", r, Peek(r));
	OUT("\nfifo: unread=%u sampling=%d period_ns=%llu channels=%u adc_bits=%u paused=%d\n", count_,
	    sampling_ ? 1 : 0, sampling_ ? period_ : 0ull, channels_, adc_bits_, ovf_hold_ ? 1 : 0);
	static const char *const kTriggers[16] = {"?", "edge-rising", "edge-falling", "edge-both",
						  "level-high", "?", "?", "?", "level-low"};
	OUT("irq: trigger=%s pin=%s edge_pending=%d\n", kTriggers[trigger_ & 15] ? kTriggers[trigger_ & 15] : "?",
	    pin_low_ ? "low" : "high", edge_pending_ ? 1 : 0);
	OUT("signal: source=%s", replay_ ? "replay" : "model");
	if (replay_)
		OUT(" rows=%u duration_ms=%llu", replay_->n, replay_->duration_us / 1000);
	OUT(" hr=%lld.%03lld spo2=%lld.%03lld perfusion=%lld.%03lld noise=%lld.%03lld "
	    "wander=%lld.%03lld temp=%s%lld.%03lld finger=%d motion=%d\n",
	    sig_.hr_milli / 1000, sig_.hr_milli % 1000,
	    sig_.spo2_milli / 1000, sig_.spo2_milli % 1000, sig_.perfusion_milli / 1000,
	    sig_.perfusion_milli % 1000, sig_.noise_milli / 1000, sig_.noise_milli % 1000,
	    sig_.wander_milli / 1000, sig_.wander_milli % 1000, sig_.temp_milli < 0 ? "-" : "",
	    (sig_.temp_milli < 0 ? -sig_.temp_milli : sig_.temp_milli) / 1000,
	    (sig_.temp_milli < 0 ? -sig_.temp_milli : sig_.temp_milli) % 1000, sig_.finger ? 1 : 0,
	    sig_.motion ? 1 : 0);
	static const char *const kResults[] = {"none", "applied", "off", "rejected"};
	OUT("upload: result=%s", kResults[u32(upload_.result)]);
	if (upload_.result == UploadOutcome::Result::kRejected)
		OUT(" errno=%d line=%u reason: %s", -upload_.err, upload_.line, upload_.why);
	OUT("\nfaults: nak=%llu timeout=%llu hang=%llu recovery_fails=%llu storm=%llu lose_irq=%llu "
	    "stuck_irq=%d overflow=%llu part_id=0x%02llx bus_khz=%llu fault_after=%llu taken_fail=%llu "
	    "late_us=%llu late_every=%llu busy_ms=%llu\n",
	    faults_.nak, faults_.timeout, faults_.hang, faults_.recovery_fails, faults_.storm,
	    faults_.lose_irq, faults_.stuck_irq ? 1 : 0, faults_.overflow, faults_.part_id, faults_.bus_khz,
	    faults_.fault_after, faults_.taken_fail, faults_.late_us, faults_.late_every, faults_.busy_ms);
	OUT("counters: xfers=%llu xfer_bytes=%llu naks=%llu timeouts=%llu taken_fails=%llu samples=%llu "
	    "fifo_overflows=%llu irqs_raised=%llu irqs_lost=%llu irqs_storm=%llu rate_clamped=%llu "
	    "empty_fifo_reads=%llu temp_conversions=%llu xfers_refused=%llu hangs=%llu "
	    "hangs_recovered=%llu hangs_timed_out=%llu bus_recoveries=%llu bus_recovery_failures=%llu "
	    "shutdowns=%llu\n",
	    cnt_.xfers, cnt_.xfer_bytes, cnt_.naks, cnt_.timeouts, cnt_.taken_fails, cnt_.samples, cnt_.fifo_overflows,
	    cnt_.irqs_raised, cnt_.irqs_lost, cnt_.irqs_storm, cnt_.rate_clamped,
	    cnt_.empty_fifo_reads, cnt_.temp_conversions, cnt_.xfers_refused, cnt_.hangs,
	    cnt_.hangs_recovered, cnt_.hangs_timed_out, cnt_.bus_recoveries, cnt_.bus_recovery_failures,
	    cnt_.shutdowns);
	OUT("power: supply=%s power_ups=%llu unpowered_naks=%llu\n", powered_ ? "on" : "off",
	    cnt_.power_ups, cnt_.unpowered_naks);
#undef OUT
	return n;
}

} // namespace mxrt::max30102

using mxrt::max30102::Replay;
using mxrt::max30102::Sim;
using mxrt::max30102::Upload;

static Sim *S(mxrt_sim *s) { return reinterpret_cast<Sim *>(s); }
static Upload *U(mxrt_sim_upload *u) { return reinterpret_cast<Upload *>(u); }
static const Upload *U(const mxrt_sim_upload *u) { return reinterpret_cast<const Upload *>(u); }

extern "C" {

mxrt_sim *mxrt_sim_create(mxrt_u64 now) noexcept {
	auto r = mxrt::New<Sim>(mxrt::Gfp::kKernel, now);
	return r.Ok() ? reinterpret_cast<mxrt_sim *>(r.Value()) : nullptr;
}

void mxrt_sim_destroy(mxrt_sim *sim) noexcept { mxrt::Delete(S(sim)); }

int mxrt_sim_xfer(mxrt_sim *sim, mxrt_sim_msg *msgs, int n, mxrt_u64 now, mxrt_u64 *bus_ns) noexcept {
	return S(sim)->Xfer(msgs, n, now, bus_ns);
}

mxrt_u64 mxrt_sim_bus_wait(mxrt_sim *sim, const mxrt_sim_msg *msgs, int n) noexcept {
	return S(sim)->BusWait(msgs, n);
}

int mxrt_sim_bus_recovery(mxrt_sim *sim) noexcept { return S(sim)->BusRecovery(); }

int mxrt_sim_hang_ended(mxrt_sim *sim, int recovered) noexcept { return S(sim)->HangEnded(recovered != 0); }

void mxrt_sim_advance(mxrt_sim *sim, mxrt_u64 now) noexcept { S(sim)->Advance(now); }

void mxrt_sim_set_power(mxrt_sim *sim, int on, mxrt_u64 now) noexcept { S(sim)->SetPower(on != 0, now); }

int mxrt_sim_irq_set_trigger(mxrt_sim *sim, mxrt_u32 trigger) noexcept {
	return S(sim)->SetTrigger(trigger);
}

mxrt_sim_irq_action mxrt_sim_irq_poll(mxrt_sim *sim, mxrt_u64 now, int masked) noexcept {
	return S(sim)->IrqPoll(now, masked != 0);
}

int mxrt_sim_irq_due(mxrt_sim *sim, int masked) noexcept { return S(sim)->IrqDue(masked != 0); }

int mxrt_sim_sample_rate_known(mxrt_u32 hz) noexcept { return mxrt::max30102::SampleRateCode(hz) >= 0; }

mxrt_u64 mxrt_sim_next_event(mxrt_sim *sim, mxrt_u64 now, int masked) noexcept {
	return S(sim)->NextEvent(now, masked != 0);
}

int mxrt_sim_control(mxrt_sim *sim, const char *text, mxrt_size len, mxrt_u64 now) noexcept {
	return S(sim)->Control(text, len, now);
}

mxrt_size mxrt_sim_show(mxrt_sim *sim, char *buf, mxrt_size size) noexcept {
	return size ? S(sim)->Show(buf, size) : 0;
}

mxrt_u8 mxrt_sim_peek(mxrt_sim *sim, mxrt_u8 reg) noexcept { return S(sim)->Peek(reg); }

mxrt_sim_upload *mxrt_sim_upload_create(void) noexcept {
	auto r = mxrt::New<Upload>(mxrt::Gfp::kKernel);
	return r.Ok() ? reinterpret_cast<mxrt_sim_upload *>(r.Value()) : nullptr;
}

int mxrt_sim_upload_feed(mxrt_sim_upload *u, const char *buf, mxrt_size len) noexcept {
	return U(u)->Feed(buf, len);
}

int mxrt_sim_upload_finish(mxrt_sim_upload *u, mxrt_sim_replay **replay) noexcept {
	Replay *r;
	const int err = U(u)->Finish(&r);
	*replay = reinterpret_cast<mxrt_sim_replay *>(r);
	return err;
}

mxrt_u32 mxrt_sim_upload_error(const mxrt_sim_upload *u, const char **why) noexcept {
	return U(u)->ErrorLine(why);
}

void mxrt_sim_upload_destroy(mxrt_sim_upload *u) noexcept { mxrt::Delete(U(u)); }

mxrt_sim_replay *mxrt_sim_upload_apply(mxrt_sim *sim, const mxrt_sim_upload *u, int err,
				       mxrt_sim_replay *replay, mxrt_u64 now) noexcept {
	return reinterpret_cast<mxrt_sim_replay *>(
		S(sim)->ApplyUpload(U(u), err, reinterpret_cast<Replay *>(replay), now));
}

mxrt_sim_replay *mxrt_sim_replay_parse(const char *text, mxrt_size len, int *err) noexcept {
	mxrt_sim_upload *u = mxrt_sim_upload_create();
	mxrt_sim_replay *r = nullptr;
	if (u == nullptr) {
		*err = -MXRT_ENOMEM;
		return nullptr;
	}
	*err = mxrt_sim_upload_feed(u, text, len);
	if (*err == 0)
		*err = mxrt_sim_upload_finish(u, &r);
	mxrt_sim_upload_destroy(u);
	return r;
}

void mxrt_sim_replay_free(mxrt_sim_replay *r) noexcept { mxrt_shim_free(r); }

mxrt_sim_replay *mxrt_sim_replay_swap(mxrt_sim *sim, mxrt_sim_replay *r, mxrt_u64 now) noexcept {
	return reinterpret_cast<mxrt_sim_replay *>(
		S(sim)->SwapReplay(reinterpret_cast<Replay *>(r), now));
}

} // extern "C"
