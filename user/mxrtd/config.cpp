// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. See config.hpp.
#include "config.hpp"
#include "shm.hpp"
#include "../lib/cli_number.hpp"
#include "../lib/cli_parse.hpp"
#include "../lib/text.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <mxrt/mxrtd.h>

#include <max30102/chip.hpp>
#include <max30102/regs.h>

namespace mxrtd {

namespace chip = mxrt::max30102;

// ---- names -------------------------------------------------------------------------------------

const char *Name(Policy p) {
	switch (p) {
	case Policy::kOther: return "other";
	case Policy::kFifo: return "fifo";
	case Policy::kDeadline: return "deadline";
	}
	return "?";
}
const char *Name(IoMethod m) {
	switch (m) {
	case IoMethod::kUring: return "uring";
	case IoMethod::kPoll: return "poll";
	case IoMethod::kRead: return "read";
	}
	return "?";
}
const char *Name(WaitMethod m) { return m == WaitMethod::kFutexWaitv ? "futex_waitv" : "futex"; }
const char *Name(LockMemory m) {
	switch (m) {
	case LockMemory::kRequired: return "required";
	case LockMemory::kTry: return "try";
	case LockMemory::kOff: return "off";
	}
	return "?";
}
static const char *Name(SchedFallback f) { return f == SchedFallback::kFifo ? "fifo" : "none"; }
static const char *Name(IoFallback f) { return f == IoFallback::kPoll ? "poll" : f == IoFallback::kRead ? "read" : "none"; }
static const char *Name(WaitFallback f) { return f == WaitFallback::kFutex ? "futex" : "none"; }
static const char *Name(LogTarget t) { return t == LogTarget::kStderr ? "stderr" : t == LogTarget::kSyslog ? "syslog" : "auto"; }
static const char *Name(LogLevel l) {
	switch (l) {
	case LogLevel::kError: return "error";
	case LogLevel::kWarning: return "warning";
	case LogLevel::kInfo: return "info";
	case LogLevel::kDebug: return "debug";
	}
	return "?";
}

const char *ModeName(std::uint32_t mode) {
	switch (mode) {
	case MAX30102_MODE_HR: return "hr";
	case MAX30102_MODE_SPO2: return "spo2";
	case MAX30102_MODE_MULTI: return "multi";
	}
	return "?";
}

bool ParseMode(const std::string &s, std::uint32_t *mode) {
	if (s == "hr")
		*mode = MAX30102_MODE_HR;
	else if (s == "spo2")
		*mode = MAX30102_MODE_SPO2;
	else if (s == "multi")
		*mode = MAX30102_MODE_MULTI;
	else
		return false;
	return true;
}

// One word of a closed set; false if `s` is none of them.
template <typename E, std::size_t N>
static bool Pick(const std::string &s, const std::pair<const char *, E> (&table)[N], E *out) {
	for (const auto &[name, value] : table)
		if (s == name) {
			*out = value;
			return true;
		}
	return false;
}
template <typename E, std::size_t N> static std::string Choices(const std::pair<const char *, E> (&table)[N]) {
	std::string s;
	for (const auto &[name, value] : table)
		s += (s.empty() ? "" : ", ") + std::string(name);
	return s;
}

static const std::pair<const char *, Policy> kPolicies[] = {
	{"deadline", Policy::kDeadline}, {"fifo", Policy::kFifo}, {"other", Policy::kOther}};
static const std::pair<const char *, IoMethod> kIoMethods[] = {
	{"uring", IoMethod::kUring}, {"poll", IoMethod::kPoll}, {"read", IoMethod::kRead}};
static const std::pair<const char *, WaitMethod> kWaitMethods[] = {
	{"futex_waitv", WaitMethod::kFutexWaitv}, {"futex", WaitMethod::kFutex}};
static const std::pair<const char *, LockMemory> kLockMemory[] = {
	{"required", LockMemory::kRequired}, {"try", LockMemory::kTry}, {"off", LockMemory::kOff}};
static const std::pair<const char *, SchedFallback> kSchedFallbacks[] = {
	{"fifo", SchedFallback::kFifo}, {"none", SchedFallback::kNone}};
static const std::pair<const char *, IoFallback> kIoFallbacks[] = {
	{"poll", IoFallback::kPoll}, {"read", IoFallback::kRead}, {"none", IoFallback::kNone}};
static const std::pair<const char *, WaitFallback> kWaitFallbacks[] = {
	{"futex", WaitFallback::kFutex}, {"none", WaitFallback::kNone}};
static const std::pair<const char *, LogTarget> kLogTargets[] = {
	{"auto", LogTarget::kAuto}, {"stderr", LogTarget::kStderr}, {"syslog", LogTarget::kSyslog}};
static const std::pair<const char *, LogLevel> kLogLevels[] = {
	{"error", LogLevel::kError}, {"warning", LogLevel::kWarning}, {"info", LogLevel::kInfo}, {"debug", LogLevel::kDebug}};

// ---- CPU lists -----------------------------------------------------------------------------------

static bool ParseCpu(const std::string &s, int *cpu) {
	if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos)
		return false;
	*cpu = std::stoi(s);
	return *cpu < 1024; // CPU_SETSIZE
}

bool ParseCpuList(const std::string &s, std::vector<int> *cpus) {
	std::set<int> set;
	std::stringstream in(s);
	std::string part;
	if (s.empty() || s.back() == ',')
		return false;
	while (std::getline(in, part, ',')) {
		const std::size_t dash = part.find('-');
		int a, b;
		if (dash == std::string::npos) {
			if (!ParseCpu(part, &a))
				return false;
			b = a;
		} else if (!ParseCpu(part.substr(0, dash), &a) || !ParseCpu(part.substr(dash + 1), &b) || b < a) {
			return false;
		}
		for (int i = a; i <= b; i++)
			set.insert(i);
	}
	cpus->assign(set.begin(), set.end());
	return !cpus->empty();
}

std::string FormatCpuList(const std::vector<int> &cpus) {
	std::string s;
	for (std::size_t i = 0; i < cpus.size();) {
		std::size_t j = i;
		while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
			j++;
		s += (s.empty() ? "" : ",") + std::to_string(cpus[i]);
		if (j > i)
			s += "-" + std::to_string(cpus[j]);
		i = j + 1;
	}
	return s;
}

// ---- single values, checked where they are read (the file, with the line) and again in Validate
// (the flags) -----------------------------------------------------------------------------------------

static std::string ShmPrefixError(const std::string &p) {
	return "shm_prefix must be 1..64 letters, digits, '_', '.' or '-', not '" + p + "'";
}
static bool CgroupNameOk(const std::string &n) { return n.find('/') == std::string::npos && (n.empty() || n[0] != '.'); }
static std::string CgroupNameError(const std::string &n) {
	return "cpuset_partition is a cgroup name (no '/', not starting with '.'), not '" + n + "'";
}
// Group and others only read what the daemon publishes. Write access to the segment would let
// any of them change the ring's geometry under the daemon (ring.records = 0: the root daemon's
// next batch is written out of bounds, SIGSEGV), and to the queue, send forged vitals.
constexpr std::uint32_t kShmModeNoWrite = 0022;
static std::string ShmModeWriteError(const std::string &mode) {
	return "shm_mode must not let the group or others write (readers only read; the segment and the queue are "
	       "the daemon's to write), not '" + mode + "'";
}
static std::string DevicePathError(const std::string &p) {
	return "device path must be absolute (/dev/max30102-N), not '" + p + "'";
}

// ---- the TOML file ---------------------------------------------------------------------------------

namespace {

// Errors carry the position of the node they are about.
struct FileError {
	std::string msg;
};

std::string Where(const std::string &file, const toml::source_region &r) {
	return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

class Reader {
public:
	Reader(const std::string &file) : file_(file) {}

	[[noreturn]] void Fail(const toml::node &n, const std::string &msg) const { throw FileError{Where(file_, n.source()) + ": " + msg}; }

	// Every key of a table must be one we know: a typo is an error, not a silently ignored line.
	void OnlyKeys(const toml::table &t, const std::string &section, std::initializer_list<const char *> keys) const {
		for (auto &&kv : t) {
			const toml::key &k = kv.first; // (clang 14 cannot capture a structured binding)
			if (std::none_of(keys.begin(), keys.end(), [&](const char *n) { return k.str() == n; }))
				throw FileError{Where(file_, k.source()) + ": unknown key '" + std::string(k.str()) + "' in [" +
						section + "]"};
		}
	}

	template <typename T> bool Uint(const toml::table &t, const char *key, T lo, T hi, T *out) const {
		const toml::node *n = t.get(key);
		if (!n)
			return false;
		if (!n->is_integer())
			Fail(*n, std::string(key) + " must be a whole number");
		const std::int64_t v = n->as_integer()->get();
		if (v < std::int64_t(lo) || std::uint64_t(v) > std::uint64_t(hi))
			Fail(*n, std::string(key) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], not " +
					 std::to_string(v));
		*out = T(v);
		return true;
	}
	bool Str(const toml::table &t, const char *key, std::string *out) const {
		const toml::node *n = t.get(key);
		if (!n)
			return false;
		if (!n->is_string())
			Fail(*n, std::string(key) + " must be a string");
		// TOML allows "\u0000"; the paths and names here go to the kernel as C strings, which would
		// end at it ("/dev/null\u0000x" would open /dev/null)
		if (n->as_string()->get().find('\0') != std::string::npos)
			Fail(*n, std::string(key) + " must not contain a NUL character (\\u0000)");
		*out = n->as_string()->get();
		return true;
	}
	bool Bool(const toml::table &t, const char *key, bool *out) const {
		const toml::node *n = t.get(key);
		if (!n)
			return false;
		if (!n->is_boolean())
			Fail(*n, std::string(key) + " must be true or false");
		*out = n->as_boolean()->get();
		return true;
	}
	template <typename E, std::size_t N>
	bool Word(const toml::table &t, const char *key, const std::pair<const char *, E> (&table)[N], E *out) const {
		std::string s;
		if (!Str(t, key, &s))
			return false;
		if (!Pick(s, table, out))
			Fail(*t.get(key), std::string(key) + " must be one of " + Choices(table) + ", not '" + s + "'");
		return true;
	}
	// A table value: absent is fine, another type is not.
	const toml::table *Section(const toml::table &root, const char *key) const {
		const toml::node *n = root.get(key);
		if (!n)
			return nullptr;
		if (!n->is_table())
			Fail(*n, std::string("[") + key + "] must be a table");
		return n->as_table();
	}

private:
	std::string file_;
};

// Device fields, one at a time against the chip's tables (the combination is Validate's).
void ReadDevice(const Reader &r, const toml::table &t, DeviceSettings *d) {
	r.OnlyKeys(t, "[device]", {"path", "mode", "sample_rate", "pulse_width", "adc_range", "sample_average",
				   "fifo_almost_full", "led_red_ua", "led_ir_ua"});
	if (!r.Str(t, "path", &d->path))
		r.Fail(t, "a [[device]] without path");
	if (d->path.empty() || d->path[0] != '/')
		r.Fail(*t.get("path"), DevicePathError(d->path));
	std::string mode;
	if (r.Str(t, "mode", &mode)) {
		std::uint32_t m;
		if (!ParseMode(mode, &m))
			r.Fail(*t.get("mode"), "mode must be hr, spo2 or multi, not '" + mode + "'");
		d->mode = m;
	}
	std::uint32_t v;
	auto table = [&](const char *key, const std::uint32_t *values, std::size_t n, std::optional<std::uint32_t> *out) {
		if (!r.Uint<std::uint32_t>(t, key, 0, UINT32_MAX, &v))
			return;
		if (std::find(values, values + n, v) == values + n) {
			std::string list;
			for (std::size_t i = 0; i < n; i++)
				list += (i ? ", " : "") + std::to_string(values[i]);
			r.Fail(*t.get(key), std::string(key) + " must be one of " + list + ", not " + std::to_string(v));
		}
		*out = v;
	};
	static const std::uint32_t kAverages[] = {1, 2, 4, 8, 16, 32};
	table("sample_rate", chip::kSampleRates, 8, &d->sample_rate_hz);
	table("pulse_width", chip::kPulseWidths, 4, &d->pulse_width_us);
	table("adc_range", chip::kAdcRanges, 4, &d->adc_range_na);
	table("sample_average", kAverages, 6, &d->sample_average);
	if (r.Uint<std::uint32_t>(t, "fifo_almost_full", 17, MAX30102_FIFO_DEPTH, &v))
		d->fifo_almost_full = v;
	for (auto [key, out] : {std::pair{"led_red_ua", &d->red_current_ua}, std::pair{"led_ir_ua", &d->ir_current_ua}}) {
		if (!r.Uint<std::uint32_t>(t, key, 0, chip::kLedMaxUa, &v))
			continue;
		if (!chip::LedCurrentValid(v))
			r.Fail(*t.get(key), std::string(key) + " must be a multiple of 200 (uA) up to 51000, not " + std::to_string(v));
		*out = v;
	}
}

// How deep the file's keys can nest, found before toml++ sees it. toml++ 3.3 bounds nested arrays
// and inline tables (256 levels) but not dotted keys or table headers, and walks the tree it built
// recursively: one key 150 000 levels deep ("a.a.a...", 300 KB) overflowed the stack in its parser
// (seen: SIGSEGV at the start, and at a SIGHUP, which killed the running daemon). No key of
// mxrtd's is more than two levels deep: a dotted key or table header of more than kMaxKeyParts
// parts, or inline tables nested more than kMaxInlineTables deep, is refused, which bounds the
// tree's depth to a few hundred levels (arrays add toml++'s own 256 at most).
// A scan of the text as TOML reads it: strings (basic, literal, multi-line) and comments are
// skipped; elsewhere a chain is bare words or quoted strings joined by dots (a float or a time
// has one dot).
constexpr unsigned kMaxKeyParts = 16, kMaxInlineTables = 16;

bool KeysShallow(const std::string &text, const std::string &file, std::string *err) {
	const std::size_t n = text.size();
	std::size_t line = 1, line_start = 0;
	// where the chain of parts began: its line, and the byte offsets of the line and of the chain
	std::size_t chain_line = 0, chain_line_start = 0, chain_at = 0;
	unsigned parts = 0, braces = 0;
	enum { kNone, kWord, kDot } last = kNone;
	// the error, at a column in characters as toml++ counts them (UTF-8 continuation bytes are
	// none), counted only here: per word it made a long line's scan quadratic
	auto refuse = [&](std::size_t at_line, std::size_t from, std::size_t at, const std::string &what) {
		std::size_t column = 1;
		for (std::size_t k = from; k < at; k++)
			column += (static_cast<unsigned char>(text[k]) & 0xc0) != 0x80;
		*err = file + ":" + std::to_string(at_line) + ":" + std::to_string(column) + ": " + what +
		       ": not parsed (no setting of mxrtd is more than two levels deep)";
		return false;
	};
	// a part began at byte `at` of the line `at_line`, which began at byte `from`
	auto word = [&](std::size_t at_line, std::size_t from, std::size_t at) {
		if (last != kDot) {
			parts = 0;
			chain_line = at_line;
			chain_line_start = from;
			chain_at = at;
		}
		parts++;
		last = kWord;
		return parts <= kMaxKeyParts || refuse(chain_line, chain_line_start, chain_at,
						       "a dotted key or table name of more than " +
							       std::to_string(kMaxKeyParts) + " parts");
	};
	auto bare = [](char ch) {
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		       ch == '-';
	};
	for (std::size_t i = 0; i < n;) {
		const char ch = text[i];
		if (ch == '"' || ch == '\'') {
			const std::size_t start_line = line, start_line_start = line_start, start = i;
			const bool multi = i + 2 < n && text[i + 1] == ch && text[i + 2] == ch;
			i += multi ? 3 : 1;
			for (;;) {
				if (i >= n || (!multi && (text[i] == '\n' || text[i] == '\r')))
					break; // unterminated: toml++ says so
				if (ch == '"' && text[i] == '\\') { // an escape, or a line-ending backslash
					if (i + 1 < n && text[i + 1] == '\n') {
						line++;
						line_start = i + 2;
					}
					i += 2;
					continue;
				}
				if (text[i] == '\n') {
					line++;
					line_start = i + 1;
				}
				if (text[i] == ch && (!multi || (i + 2 < n && text[i + 1] == ch && text[i + 2] == ch))) {
					i += multi ? 3 : 1;
					for (int extra = 0; multi && extra < 2 && i < n && text[i] == ch; extra++)
						i++; // up to two quotes of the content before the closing three
					break;
				}
				i++;
			}
			if (!word(start_line, start_line_start, start))
				return false;
			continue;
		}
		if (ch == '#') {
			while (i < n && text[i] != '\n')
				i++;
			last = kNone;
			continue;
		}
		if (bare(ch)) {
			const std::size_t start = i;
			while (i < n && bare(text[i]))
				i++;
			if (!word(line, line_start, start))
				return false;
			continue;
		}
		if (ch == '.') {
			last = last == kWord ? kDot : kNone;
		} else if (ch == '{') {
			if (++braces > kMaxInlineTables)
				return refuse(line, line_start, i,
					      "inline tables nested more than " + std::to_string(kMaxInlineTables) + " deep");
			last = kNone;
		} else if (ch == '}') {
			braces -= braces > 0;
			last = kNone;
		} else if (ch != ' ' && ch != '\t') {
			last = kNone;
		}
		if (ch == '\n') {
			line++;
			line_start = i + 1;
		}
		i++;
	}
	return true;
}

} // namespace

bool ParseToml(const std::string &text, const std::string &file, Config *out, std::string *err) {
	Config c = *out;
	if (!KeysShallow(text, file, err))
		return false;
	try {
		toml::table root = toml::parse(text, file);
		Reader r(file);
		r.OnlyKeys(root, "top level", {"device", "acquisition", "consumers", "memory", "outputs", "log"});
		if (const toml::node *dev = root.get("device")) {
			const toml::array *arr = dev->as_array();
			if (!arr)
				r.Fail(*dev, "device must be an array of tables: [[device]]");
			c.devices.clear();
			std::set<std::string> paths;
			for (const toml::node &n : *arr) {
				if (!n.is_table())
					r.Fail(n, "each device must be a table: [[device]]");
				DeviceSettings d;
				ReadDevice(r, *n.as_table(), &d);
				if (!paths.insert(d.path).second)
					r.Fail(*n.as_table()->get("path"), "device " + d.path + " is named twice");
				c.devices.push_back(d);
			}
		}
		if (const toml::table *t = r.Section(root, "acquisition")) {
			r.OnlyKeys(*t, "acquisition", {"policy", "runtime_us", "deadline_us", "period_us", "priority", "cpus",
						       "cpuset_partition", "fallback", "io", "io_fallback", "batch"});
			r.Word(*t, "policy", kPolicies, &c.policy);
			std::uint64_t us;
			if (r.Uint<std::uint64_t>(*t, "runtime_us", 1, 4000000, &us))
				c.runtime_ns = us * 1000;
			if (r.Uint<std::uint64_t>(*t, "deadline_us", 1, 4000000, &us))
				c.deadline_ns = us * 1000;
			if (r.Uint<std::uint64_t>(*t, "period_us", 1, 4000000, &us))
				c.period_ns = us * 1000;
			r.Uint<std::uint32_t>(*t, "priority", 1, 99, &c.priority);
			std::string s;
			if (r.Str(*t, "cpus", &s)) {
				if (s.empty())
					c.cpus.clear();
				else if (!ParseCpuList(s, &c.cpus))
					r.Fail(*t->get("cpus"), "cpus must be a CPU list such as \"1\" or \"0-1,3\", not '" + s + "'");
			}
			if (r.Str(*t, "cpuset_partition", &c.cpuset_partition) && !CgroupNameOk(c.cpuset_partition))
				r.Fail(*t->get("cpuset_partition"), CgroupNameError(c.cpuset_partition));
			r.Word(*t, "fallback", kSchedFallbacks, &c.sched_fallback);
			r.Word(*t, "io", kIoMethods, &c.io);
			r.Word(*t, "io_fallback", kIoFallbacks, &c.io_fallback);
			r.Uint<std::uint32_t>(*t, "batch", 1, 64, &c.batch);
		}
		if (const toml::table *t = r.Section(root, "consumers")) {
			r.OnlyKeys(*t, "consumers", {"wait", "wait_fallback", "priority", "cpus"});
			r.Word(*t, "wait", kWaitMethods, &c.wait);
			r.Word(*t, "wait_fallback", kWaitFallbacks, &c.wait_fallback);
			r.Uint<std::uint32_t>(*t, "priority", 0, 99, &c.consumer_priority);
			std::string s;
			if (r.Str(*t, "cpus", &s)) {
				if (s.empty())
					c.consumer_cpus.clear();
				else if (!ParseCpuList(s, &c.consumer_cpus))
					r.Fail(*t->get("cpus"), "cpus must be a CPU list such as \"1\" or \"0-1,3\", not '" + s + "'");
			}
		}
		if (const toml::table *t = r.Section(root, "memory")) {
			r.OnlyKeys(*t, "memory", {"lock"});
			r.Word(*t, "lock", kLockMemory, &c.lock_memory);
		}
		if (const toml::table *t = r.Section(root, "outputs")) {
			r.OnlyKeys(*t, "outputs", {"shm_prefix", "shm_mode", "ring_records", "mqueue", "mqueue_maxmsg", "fifo",
						   "fifo_dir", "temp_interval_ms"});
			if (r.Str(*t, "shm_prefix", &c.shm_prefix) && !ShmPrefixOk(c.shm_prefix))
				r.Fail(*t->get("shm_prefix"), ShmPrefixError(c.shm_prefix));
			std::string mode;
			if (r.Str(*t, "shm_mode", &mode)) {
				char *end = nullptr;
				errno = 0;
				const unsigned long m = std::strtoul(mode.c_str(), &end, 8);
				if (mode.empty() || mode.find_first_not_of("01234567") != std::string::npos || *end || errno || m > 0777)
					r.Fail(*t->get("shm_mode"), "shm_mode must be an octal mode such as \"0644\", not '" + mode + "'");
				if (m & kShmModeNoWrite)
					r.Fail(*t->get("shm_mode"), ShmModeWriteError(mode));
				c.shm_mode = std::uint32_t(m);
			}
			r.Uint<std::uint32_t>(*t, "ring_records", 16, 1u << 20, &c.ring_records);
			r.Bool(*t, "mqueue", &c.mqueue);
			r.Uint<std::uint32_t>(*t, "mqueue_maxmsg", 1, 65536, &c.mqueue_maxmsg);
			r.Bool(*t, "fifo", &c.fifo);
			// where it is written (Validate says it too, for a flag, without a place)
			if (r.Str(*t, "fifo_dir", &c.fifo_dir) && c.fifo && (c.fifo_dir.empty() || c.fifo_dir[0] != '/'))
				r.Fail(*t->get("fifo_dir"), "fifo_dir must be an absolute directory (with fifo = true), not '" +
								  c.fifo_dir + "'");
			r.Uint<std::uint32_t>(*t, "temp_interval_ms", 0, 3600000, &c.temp_interval_ms);
		}
		if (const toml::table *t = r.Section(root, "log")) {
			r.OnlyKeys(*t, "log", {"target", "level"});
			r.Word(*t, "target", kLogTargets, &c.log_target);
			r.Word(*t, "level", kLogLevels, &c.log_level);
		}
	} catch (const toml::parse_error &e) {
		*err = Where(file, e.source()) + ": " + std::string(e.description());
		return false;
	} catch (const FileError &e) {
		*err = e.msg.rfind(file, 0) == 0 ? e.msg : file + ": " + e.msg;
		return false;
	}
	*out = c;
	return true;
}

bool LoadTomlFile(const std::string &path, Config *c, std::string *err) {
	// Only a regular file is a configuration file. A directory opens and reads as nothing, which
	// parses as "no settings": the defaults would be taken (and, on SIGHUP, reloaded) without a
	// word. A FIFO without a writer blocks the open for ever (at SIGHUP: the main thread, which
	// then no longer stops at SIGTERM), a device such as /dev/zero never ends. O_NONBLOCK: the
	// open of a FIFO returns at once, so that fstat can refuse it.
	const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		*err = path + ": " + std::strerror(errno);
		return false;
	}
	struct stat st;
	const char *why = nullptr;
	if (fstat(fd, &st) != 0)
		why = std::strerror(errno);
	else if (S_ISDIR(st.st_mode))
		why = "a directory, not a config file";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file (a FIFO, a device or a socket), not a config file";
	else if (st.st_size > kMaxConfigBytes)
		why = "larger than 1 MiB, not a config file";
	if (why) {
		*err = path + ": " + why;
		close(fd);
		return false;
	}
	std::string text(std::size_t(st.st_size), '\0');
	std::size_t got = 0;
	while (got < text.size()) {
		const ssize_t n = read(fd, &text[got], text.size() - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = path + ": " + std::strerror(errno);
			close(fd);
			return false;
		}
		if (n == 0)
			break; // truncated meanwhile: refused below
		got += std::size_t(n);
	}
	// A file rewritten in place while it was read (an editor saving at the moment of a SIGHUP)
	// would be taken for a whole one: its first half, parsed, is a valid file that means
	// something else (settings missing fall back to their defaults). Refused instead: the size
	// or the modification time changed, or the read ended early.
	struct stat after;
	if (fstat(fd, &after) != 0) {
		*err = path + ": " + std::strerror(errno);
		close(fd);
		return false;
	}
	const bool changed = got != text.size() || after.st_size != st.st_size ||
			     after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec;
	close(fd);
	if (changed) {
		*err = path + ": changed while it was read, not loaded (write a new file and rename it over this one, "
			      "as editors and install(1) do)";
		return false;
	}
	return ParseToml(text, path, c, err);
}

// ---- validation ----------------------------------------------------------------------------------

static bool IsPow2(std::uint32_t v) { return v && (v & (v - 1)) == 0; }

bool Validate(const Config &c, std::string *err) {
	if (c.devices.empty()) {
		*err = "no device: name one (mxrtd /dev/max30102-0, or [[device]] path = ... in the config file)";
		return false;
	}
	// Text a flag gave (a TOML file is UTF-8 already): --check-config prints the configuration as
	// TOML, which has no escape for other bytes, and printed a file it then refused to read
	auto not_utf8 = [&](const std::string &what, const std::string &v) {
		if (mxrt::cli::WellFormedUtf8(v))
			return false;
		*err = what + " '" + mxrt::cli::Printable(v) + "' is not UTF-8 text (a configuration file cannot hold it)";
		return true;
	};
	for (const DeviceSettings &d : c.devices)
		if (not_utf8("device path", d.path))
			return false;
	if (not_utf8("shm_prefix", c.shm_prefix) || not_utf8("fifo_dir", c.fifo_dir) ||
	    not_utf8("cpuset_partition", c.cpuset_partition))
		return false;
	std::set<std::string> seen;
	std::map<std::string, std::string> names; // base name -> the device path that has it
	for (const DeviceSettings &d : c.devices) {
		if (d.path.empty() || d.path[0] != '/') {
			*err = DevicePathError(d.path);
			return false;
		}
		if (!seen.insert(d.path).second) {
			*err = "device " + d.path + " is named twice";
			return false;
		}
		// The base name names the device's segment, queue and FIFO (/dev/shm/<prefix>-<name>,
		// <fifo_dir>/<name>.fifo): two devices with one name would share them (the second was
		// refused at start as "held by a running process", exit 4, after the first's were made).
		const std::string base = d.path.substr(d.path.find_last_of('/') + 1);
		if (base.empty() || base == "." || base == "..") {
			*err = "device path " + d.path + " has no file name to name its shared memory, queue and FIFO after";
			return false;
		}
		if (const auto [it, added] = names.emplace(base, d.path); !added) {
			*err = "devices " + it->second + " and " + d.path + " have the same name '" + base +
			       "', which names each device's shared memory, queue and FIFO: rename one (a symlink will do)";
			return false;
		}
		// The combination, where the device's settings decide it: rate x pulse width x mode.
		// Without a mode the device keeps its own, which only the driver knows: a pair hr mode
		// allows (it allows every pair spo2 mode does) is left to the driver, which refuses it
		// at start if the device is in spo2 mode (the start fails, the device is restored).
		// Checked as spo2, a device kept in hr mode was refused a pair the chip takes.
		if (d.sample_rate_hz && d.pulse_width_us) {
			const std::uint32_t mode = d.mode.value_or(MAX30102_MODE_HR);
			if (!chip::RateAllowed(mode, std::uint32_t(chip::SampleRateCode(*d.sample_rate_hz)),
					       std::uint32_t(chip::PulseWidthCode(*d.pulse_width_us)))) {
				*err = "device " + d.path + ": " + std::to_string(*d.sample_rate_hz) + " Hz with " +
				       std::to_string(*d.pulse_width_us) + " us pulses is not allowed in " +
				       (d.mode ? std::string(ModeName(mode)) + " mode" : std::string("either mode")) +
				       " (the MAX30102's rate/pulse-width table: docs/max30102.md)";
				return false;
			}
		}
	}
	if (c.policy == Policy::kDeadline) {
		if (c.runtime_ns < 10000) {
			*err = "[acquisition] runtime_us must be at least 10 under SCHED_DEADLINE, not " +
			       std::to_string(c.runtime_ns / 1000);
			return false;
		}
		if (!(c.runtime_ns <= c.deadline_ns && c.deadline_ns <= c.period_ns)) {
			*err = "SCHED_DEADLINE needs runtime <= deadline <= period (runtime_us " + std::to_string(c.runtime_ns / 1000) +
			       ", deadline_us " + std::to_string(c.deadline_ns / 1000) + ", period_us " +
			       std::to_string(c.period_ns / 1000) + ")";
			return false;
		}
	}
	if (c.priority < 1 || c.priority > 99) {
		*err = "acquisition priority must be in [1, 99]";
		return false;
	}
	if (c.consumer_priority > 99) {
		*err = "consumers priority must be in [0, 99]";
		return false;
	}
	if (c.batch < 1 || c.batch > 64) {
		*err = "batch must be in [1, 64] records";
		return false;
	}
	// The file's reader checks these ranges too; here they hold for the flags as well.
	if (c.mqueue_maxmsg < 1 || c.mqueue_maxmsg > 65536) {
		*err = "mqueue_maxmsg must be in [1, 65536], not " + std::to_string(c.mqueue_maxmsg);
		return false;
	}
	if (c.temp_interval_ms > 3600000) {
		*err = "temp_interval_ms must be in [0, 3600000] (0: never), not " + std::to_string(c.temp_interval_ms);
		return false;
	}
	if (c.shm_mode > 0777) {
		*err = "shm_mode must be at most 0777";
		return false;
	}
	if (c.shm_mode & kShmModeNoWrite) {
		char mode[16];
		std::snprintf(mode, sizeof(mode), "%04o", c.shm_mode);
		*err = ShmModeWriteError(mode);
		return false;
	}
	if (!IsPow2(c.ring_records) || c.ring_records < 16 || c.ring_records > (1u << 20)) {
		*err = "ring_records must be a power of two in [16, 1048576], not " + std::to_string(c.ring_records);
		return false;
	}
	// A batch is published at once: a ring that cannot hold two loses records at every batch for
	// every consumer, none of them behind (as the driver's ring holds two FIFO bursts).
	if (c.ring_records < 2 * c.batch) {
		*err = "ring_records (" + std::to_string(c.ring_records) + ") must hold two batches (batch = " +
		       std::to_string(c.batch) + "): at least " + std::to_string(2 * c.batch);
		return false;
	}
	if (!ShmPrefixOk(c.shm_prefix)) {
		*err = ShmPrefixError(c.shm_prefix);
		return false;
	}
	if (c.fifo && (c.fifo_dir.empty() || c.fifo_dir[0] != '/')) {
		*err = "[outputs] fifo_dir must be an absolute directory (with fifo = true), not '" + c.fifo_dir + "'";
		return false;
	}
	if (!CgroupNameOk(c.cpuset_partition)) {
		*err = CgroupNameError(c.cpuset_partition);
		return false;
	}
	if (!c.cpuset_partition.empty() && c.cpus.empty()) {
		*err = "[acquisition] cpuset_partition needs cpus (the CPUs to give the partition)";
		return false;
	}
	return true;
}

std::vector<std::string> RestartOnlyChanges(const Config &a, const Config &b) {
	const std::pair<const char *, bool> keys[] = {
		{"[acquisition] io", a.io != b.io},
		{"[acquisition] io_fallback", a.io_fallback != b.io_fallback},
		{"[acquisition] batch", a.batch != b.batch},
		{"[acquisition] cpuset_partition", a.cpuset_partition != b.cpuset_partition},
		{"[consumers] wait", a.wait != b.wait},
		{"[consumers] wait_fallback", a.wait_fallback != b.wait_fallback},
		{"[consumers] priority", a.consumer_priority != b.consumer_priority},
		{"[consumers] cpus", a.consumer_cpus != b.consumer_cpus},
		{"[memory] lock", a.lock_memory != b.lock_memory},
		{"[outputs] shm_prefix", a.shm_prefix != b.shm_prefix},
		{"[outputs] shm_mode", a.shm_mode != b.shm_mode},
		{"[outputs] ring_records", a.ring_records != b.ring_records},
		{"[outputs] mqueue", a.mqueue != b.mqueue},
		{"[outputs] mqueue_maxmsg", a.mqueue_maxmsg != b.mqueue_maxmsg},
		{"[outputs] fifo", a.fifo != b.fifo},
		{"[outputs] fifo_dir", a.fifo_dir != b.fifo_dir},
		{"[log] target", a.log_target != b.log_target},
	};
	std::vector<std::string> out;
	for (const auto &[key, changed] : keys)
		if (changed)
			out.push_back(key);
	return out;
}

bool DeviceListChanged(std::vector<std::string> running, std::vector<std::string> loaded) {
	std::sort(running.begin(), running.end());
	std::sort(loaded.begin(), loaded.end());
	return running != loaded;
}

// ---- the effective configuration as TOML ---------------------------------------------------------

std::string ToToml(const Config &c) {
	std::ostringstream o;
	auto q = [](const std::string &s) {
		std::string r = "\"";
		for (const char ch : s) {
			const auto u = static_cast<unsigned char>(ch);
			if (ch == '"' || ch == '\\') {
				r += '\\';
				r += ch;
			} else if (u < 0x20 || u == 0x7f) { // TOML strings hold no raw control characters
				char esc[8];
				std::snprintf(esc, sizeof(esc), "\\u%04X", unsigned(u));
				r += esc;
			} else {
				r += ch;
			}
		}
		return r + "\"";
	};
	for (const DeviceSettings &d : c.devices) {
		o << "[[device]]\npath = " << q(d.path) << "\n";
		if (d.mode)
			o << "mode = \"" << ModeName(*d.mode) << "\"\n";
		if (d.sample_rate_hz)
			o << "sample_rate = " << *d.sample_rate_hz << "\n";
		if (d.pulse_width_us)
			o << "pulse_width = " << *d.pulse_width_us << "\n";
		if (d.adc_range_na)
			o << "adc_range = " << *d.adc_range_na << "\n";
		if (d.sample_average)
			o << "sample_average = " << *d.sample_average << "\n";
		if (d.fifo_almost_full)
			o << "fifo_almost_full = " << *d.fifo_almost_full << "\n";
		if (d.red_current_ua)
			o << "led_red_ua = " << *d.red_current_ua << "\n";
		if (d.ir_current_ua)
			o << "led_ir_ua = " << *d.ir_current_ua << "\n";
		o << "\n";
	}
	o << "[acquisition]\npolicy = \"" << Name(c.policy) << "\"\nruntime_us = " << c.runtime_ns / 1000
	  << "\ndeadline_us = " << c.deadline_ns / 1000 << "\nperiod_us = " << c.period_ns / 1000
	  << "\npriority = " << c.priority << "\ncpus = " << q(FormatCpuList(c.cpus))
	  << "\ncpuset_partition = " << q(c.cpuset_partition) << "\nfallback = \"" << Name(c.sched_fallback)
	  << "\"\nio = \"" << Name(c.io) << "\"\nio_fallback = \"" << Name(c.io_fallback) << "\"\nbatch = " << c.batch
	  << "\n\n[consumers]\nwait = \"" << Name(c.wait) << "\"\nwait_fallback = \"" << Name(c.wait_fallback)
	  << "\"\npriority = " << c.consumer_priority << "\ncpus = " << q(FormatCpuList(c.consumer_cpus))
	  << "\n\n[memory]\nlock = \"" << Name(c.lock_memory) << "\"\n\n[outputs]\nshm_prefix = " << q(c.shm_prefix);
	char mode[16];
	std::snprintf(mode, sizeof(mode), "%04o", c.shm_mode);
	o << "\nshm_mode = \"" << mode << "\"\nring_records = " << c.ring_records << "\nmqueue = "
	  << (c.mqueue ? "true" : "false") << "\nmqueue_maxmsg = " << c.mqueue_maxmsg << "\nfifo = "
	  << (c.fifo ? "true" : "false") << "\nfifo_dir = " << q(c.fifo_dir) << "\ntemp_interval_ms = " << c.temp_interval_ms
	  << "\n\n[log]\ntarget = \"" << Name(c.log_target) << "\"\nlevel = \"" << Name(c.log_level) << "\"\n";
	return o.str();
}

// ---- the command line ----------------------------------------------------------------------------

int ParseCommandLine(int argc, char **argv, CommandLine *cl, std::string *out_text) {
	CLI::App app{"mxrtd: reads MAX30102 devices in real time and publishes samples and vitals\n"
		     "(shared memory, a message queue, a FIFO). Flags override the config file.",
		     "mxrtd"};
	app.set_version_flag("--version", "mxrtd 1.0 (shared-memory ABI " + std::to_string(MXRTD_SHM_VERSION) + ")");
	app.option_defaults()->always_capture_default(false);
	app.add_option("devices", cl->devices, "devices to serve (/dev/max30102-N); replace the config file's");
	app.add_option("-c,--config", cl->config_file, "TOML config file (see the example mxrtd.toml)");
	app.add_flag("--check-config", cl->check_config, "validate, print the effective configuration, exit");

	auto *acq = "Acquisition";
	app.add_option("--policy", cl->policy, "acquisition thread: deadline, fifo or other")->group(acq);
	app.add_option("--runtime-us", cl->runtime_us, "SCHED_DEADLINE runtime (default 1000)")->group(acq);
	app.add_option("--deadline-us", cl->deadline_us, "SCHED_DEADLINE deadline (default 2000)")->group(acq);
	app.add_option("--period-us", cl->period_us, "SCHED_DEADLINE period (default 2000)")->group(acq);
	app.add_option("--priority", cl->priority, "SCHED_FIFO priority (policy fifo, or the fallback; default 80)")->group(acq);
	app.add_option("--cpus", cl->cpus, "CPUs for the acquisition thread (a list: 1, 2-3)")->group(acq);
	app.add_option("--cpuset-partition", cl->cpuset_partition,
		       "make the CPUs a cgroup v2 cpuset partition of this name (SCHED_DEADLINE on pinned CPUs)")->group(acq);
	app.add_option("--sched-fallback", cl->sched_fallback, "when SCHED_DEADLINE is refused: fifo or none (exit)")->group(acq);
	app.add_option("--io", cl->io, "reading the device: uring, poll or read")->group(acq);
	app.add_option("--io-fallback", cl->io_fallback, "when io_uring is unavailable: poll, read or none (exit)")->group(acq);
	app.add_option("--batch", cl->batch, "records per read, 1..64 (default 64)")->group(acq);
	app.add_flag("--strict", cl->strict, "no fallback at all: exit if anything configured is unavailable")->group(acq);

	auto *con = "Consumers";
	app.add_option("--wait", cl->wait, "consumer threads wait with futex_waitv or futex")->group(con);
	app.add_option("--wait-fallback", cl->wait_fallback, "when futex_waitv is missing: futex or none (exit)")->group(con);
	app.add_option("--consumer-priority", cl->consumer_priority, "SCHED_FIFO priority of the consumer threads (0: SCHED_OTHER)")->group(con);
	app.add_option("--consumer-cpus", cl->consumer_cpus, "CPUs for the consumer threads")->group(con);
	app.add_option("--lock-memory", cl->lock_memory, "mlockall: required, try or off")->group(con);

	auto *out = "Outputs";
	app.add_option("--shm-prefix", cl->shm_prefix, "shared memory and message queue names: /PREFIX-max30102-N")->group(out);
	app.add_option("--ring", cl->ring_records, "records in the shared ring (a power of two)")->group(out);
	app.add_flag("--no-mqueue", cl->no_mqueue, "no message queue")->group(out);
	app.add_option("--mqueue-maxmsg", cl->mqueue_maxmsg, "message queue depth (default 10)")->group(out);
	app.add_flag("--no-fifo", cl->no_fifo, "no FIFO")->group(out);
	app.add_option("--fifo-dir", cl->fifo_dir, "directory of the FIFOs (default /run/mxrtd)")->group(out);
	app.add_option("--temp-interval-ms", cl->temp_interval_ms, "temperature reading interval (0: never)")->group(out);
	app.add_option("--log", cl->log_target, "auto (stderr; with priorities under systemd), stderr or syslog")->group(out);
	app.add_option("--log-level", cl->log_level, "error, warning, info or debug")->group(out);

	auto *dev = "Device settings (every device)";
	std::string mode;
	app.add_option("--mode", mode, "hr, spo2 or multi")->group(dev);
	app.add_option("--rate", cl->device.sample_rate_hz, "sample rate, Hz")->group(dev);
	app.add_option("--pulse-width", cl->device.pulse_width_us, "pulse width, us")->group(dev);
	app.add_option("--adc-range", cl->device.adc_range_na, "ADC range, nA")->group(dev);
	app.add_option("--average", cl->device.sample_average, "samples averaged")->group(dev);
	app.add_option("--almost-full", cl->device.fifo_almost_full, "FIFO almost-full threshold, 17..32")->group(dev);
	app.add_option("--led-red-ua", cl->device.red_current_ua, "red LED current, uA")->group(dev);
	app.add_option("--led-ir-ua", cl->device.ir_current_ua, "IR LED current, uA")->group(dev);
	// whole numbers in decimal: CLI11 reads them in base 0 ("--priority 050" was 40, "0x40" 64)
	for (const char *name : {"--runtime-us", "--deadline-us", "--period-us", "--priority", "--batch", "--consumer-priority",
				 "--ring", "--mqueue-maxmsg", "--temp-interval-ms", "--rate", "--pulse-width", "--adc-range",
				 "--average", "--almost-full", "--led-red-ua", "--led-ir-ua"})
		app.get_option(name)->transform(mxrt::cli::DecimalDigits());
	try {
		mxrt::cli::Parse(app, argc, argv);
	} catch (const CLI::CallForHelp &e) {
		*out_text = app.help();
		return 0;
	} catch (const CLI::CallForVersion &e) {
		*out_text = app.version() + "\n";
		return 0;
	} catch (const CLI::ParseError &e) {
		*out_text = "mxrtd: " + std::string(e.what()) + "\nusage: mxrtd [OPTIONS] [DEVICE...] (mxrtd --help)\n";
		return 2;
	}
	if (app.count("--config") && cl->config_file.empty()) {
		// an unset $CONF: refused, not a run on the defaults (and every SIGHUP reloading nothing)
		*out_text = "mxrtd: --config: '' is no file\n";
		return 2;
	}
	if (app.count("--mode")) {
		std::uint32_t m;
		if (!ParseMode(mode, &m)) {
			*out_text = "mxrtd: --mode must be hr, spo2 or multi, not '" + mode + "'\n";
			return 2;
		}
		cl->device.mode = m;
	}
	return -1;
}

bool ApplyCommandLine(const CommandLine &cl, Config *out, std::string *err) {
	Config c = *out;
	auto word = [&](const std::optional<std::string> &v, const char *flag, auto &table, auto *dst) {
		if (v && !Pick(*v, table, dst)) {
			*err = std::string(flag) + " must be one of " + Choices(table) + ", not '" + *v + "'";
			return false;
		}
		return true;
	};
	if (!word(cl.policy, "--policy", kPolicies, &c.policy) || !word(cl.io, "--io", kIoMethods, &c.io) ||
	    !word(cl.wait, "--wait", kWaitMethods, &c.wait) ||
	    !word(cl.lock_memory, "--lock-memory", kLockMemory, &c.lock_memory) ||
	    !word(cl.log_target, "--log", kLogTargets, &c.log_target) ||
	    !word(cl.log_level, "--log-level", kLogLevels, &c.log_level) ||
	    !word(cl.sched_fallback, "--sched-fallback", kSchedFallbacks, &c.sched_fallback) ||
	    !word(cl.io_fallback, "--io-fallback", kIoFallbacks, &c.io_fallback) ||
	    !word(cl.wait_fallback, "--wait-fallback", kWaitFallbacks, &c.wait_fallback))
		return false;
	auto us = [&](const std::optional<std::uint64_t> &v, const char *flag, std::uint64_t *dst) {
		if (!v)
			return true;
		if (*v < 1 || *v > 4000000) {
			*err = std::string(flag) + " must be in [1, 4000000] us";
			return false;
		}
		*dst = *v * 1000;
		return true;
	};
	if (!us(cl.runtime_us, "--runtime-us", &c.runtime_ns) || !us(cl.deadline_us, "--deadline-us", &c.deadline_ns) ||
	    !us(cl.period_us, "--period-us", &c.period_ns))
		return false;
	if (cl.priority)
		c.priority = *cl.priority;
	if (cl.consumer_priority)
		c.consumer_priority = *cl.consumer_priority;
	if (cl.batch)
		c.batch = *cl.batch;
	if (cl.ring_records)
		c.ring_records = *cl.ring_records;
	if (cl.temp_interval_ms)
		c.temp_interval_ms = *cl.temp_interval_ms;
	if (cl.mqueue_maxmsg)
		c.mqueue_maxmsg = *cl.mqueue_maxmsg;
	if (cl.cpuset_partition)
		c.cpuset_partition = *cl.cpuset_partition;
	if (cl.shm_prefix)
		c.shm_prefix = *cl.shm_prefix;
	if (cl.fifo_dir)
		c.fifo_dir = *cl.fifo_dir;
	for (auto [v, dst, flag] : {std::tuple{&cl.cpus, &c.cpus, "--cpus"}, std::tuple{&cl.consumer_cpus, &c.consumer_cpus, "--consumer-cpus"}}) {
		if (!*v)
			continue;
		if (v->value().empty()) {
			dst->clear();
		} else if (!ParseCpuList(v->value(), dst)) {
			*err = std::string(flag) + " must be a CPU list such as 1 or 0-1,3, not '" + v->value() + "'";
			return false;
		}
	}
	if (cl.no_mqueue)
		c.mqueue = false;
	if (cl.no_fifo)
		c.fifo = false;
	if (cl.strict) {
		c.sched_fallback = SchedFallback::kNone;
		c.io_fallback = IoFallback::kNone;
		c.wait_fallback = WaitFallback::kNone;
		c.lock_memory = c.lock_memory == LockMemory::kTry ? LockMemory::kRequired : c.lock_memory;
	}
	if (!cl.devices.empty()) {
		std::vector<DeviceSettings> devs;
		for (const std::string &p : cl.devices) {
			DeviceSettings d;
			d.path = p;
			// a device the file also names keeps the file's settings
			for (const DeviceSettings &f : c.devices)
				if (f.path == p)
					d = f;
			devs.push_back(d);
		}
		c.devices = devs;
	}
	// Device flags, each checked against the chip's tables here (the combination in Validate).
	const DeviceSettings &f = cl.device;
	auto in = [&](const std::optional<std::uint32_t> &v, const std::uint32_t *vals, std::size_t n, const char *flag) {
		if (v && std::find(vals, vals + n, *v) == vals + n) {
			*err = std::string(flag) + " " + std::to_string(*v) + " is not a value the MAX30102 has";
			return false;
		}
		return true;
	};
	static const std::uint32_t kAverages[] = {1, 2, 4, 8, 16, 32};
	if (!in(f.sample_rate_hz, chip::kSampleRates, 8, "--rate") || !in(f.pulse_width_us, chip::kPulseWidths, 4, "--pulse-width") ||
	    !in(f.adc_range_na, chip::kAdcRanges, 4, "--adc-range") || !in(f.sample_average, kAverages, 6, "--average"))
		return false;
	if (f.fifo_almost_full && (*f.fifo_almost_full < 17 || *f.fifo_almost_full > MAX30102_FIFO_DEPTH)) {
		*err = "--almost-full must be in [17, 32]";
		return false;
	}
	for (auto [v, flag] : {std::pair{&f.red_current_ua, "--led-red-ua"}, std::pair{&f.ir_current_ua, "--led-ir-ua"}}) {
		if (*v && !chip::LedCurrentValid(**v)) {
			*err = std::string(flag) + " must be a multiple of 200 up to 51000, not " + std::to_string(**v);
			return false;
		}
	}
	for (DeviceSettings &d : c.devices) {
		for (auto [src, dst] : {std::pair{&f.mode, &d.mode}, std::pair{&f.sample_rate_hz, &d.sample_rate_hz},
					std::pair{&f.pulse_width_us, &d.pulse_width_us}, std::pair{&f.adc_range_na, &d.adc_range_na},
					std::pair{&f.sample_average, &d.sample_average},
					std::pair{&f.fifo_almost_full, &d.fifo_almost_full},
					std::pair{&f.red_current_ua, &d.red_current_ua}, std::pair{&f.ir_current_ua, &d.ir_current_ua}})
			if (*src)
				*dst = *src;
	}
	*out = c;
	return true;
}

} // namespace mxrtd
