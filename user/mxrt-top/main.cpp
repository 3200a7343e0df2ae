// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the Pi; the VM guests' tests and demo). mxrt-top: the live view of what mxrtd
// publishes, read from its shared-memory segments (include/uapi/mxrt/mxrtd.h), and a consumer of
// its ring and message queue for scripts and tests.
//
//   mxrt-top                       every running daemon's devices, refreshed in place every second
//   mxrt-top --json                one JSON array, one object per device, then exit
//   mxrt-top --records N [--stall MS] [--priority P] [--cpu C] [DEVICE]
//                                  consume N records from the shared ring (futex_waitv on the
//                                  segment's words), print one summary line: records, lost,
//                                  overruns, violations, wake-up latency
//   mxrt-top --messages N [DEVICE] read N vitals messages from the message queue, print each as
//                                  the FIFO's line
// DEVICE: /dev/max30102-N or max30102-N (default: every segment in /dev/shm with the prefix).
// Exit: 0; 1 no daemon / an error / a violation in --records; 2 usage.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <iterator>
#include <fcntl.h>
#include <mqueue.h>
#include <pwd.h>
#include <sched.h>
#include <sys/stat.h>
#include <string>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>

#include "../mxrtd/futex.hpp"
#include "../mxrtd/messages.hpp"
#include "../mxrtd/shm.hpp"
#include "../lib/text.hpp"
#include "../lib/cli_number.hpp"
#include "../lib/cli_parse.hpp"
#include "../lib/stdout_check.hpp"

using namespace mxrtd;
using mxrt::cli::Printable; // a name from /dev/shm (anyone's to make) shown without its control characters

namespace {

volatile sig_atomic_t g_stop = 0;
// The daemon's user (--owner): segments and queues of anyone else but root are not its (anyone can
// make them in /dev/shm and /dev/mqueue). -1: this process's own user.
long long g_owner = -1; // long long: a uid past 2^31 stays positive on 32-bit user lands
std::string OwnerWords() {
	return g_owner < 0 ? "root or you" : "root or uid " + std::to_string(g_owner);
}
void OnSignal(int) { g_stop = 1; }

std::uint64_t NowNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

// The segment names to show: those of the given devices, or every /dev/shm/<prefix>-*.
std::vector<std::string> Names(const std::string &prefix, const std::vector<std::string> &devices) {
	std::vector<std::string> out;
	for (const std::string &d : devices)
		out.push_back(ShmNameFor(prefix, d));
	if (!devices.empty())
		return out;
	if (DIR *dir = opendir("/dev/shm")) {
		const std::string p = prefix + "-";
		while (dirent *e = readdir(dir))
			if (std::strncmp(e->d_name, p.c_str(), p.size()) == 0)
				out.push_back(std::string("/") + e->d_name);
		closedir(dir);
	}
	std::sort(out.begin(), out.end());
	return out;
}

// The sample rate now, from the timestamps of the newest records in the ring (no waiting).
double RingRate(const Segment &seg) {
	RingCursor c;
	const std::uint64_t head = RingCursor::AtHead(seg.shm()).next;
	if (head < 2)
		return 0;
	const std::uint64_t n = std::min<std::uint64_t>(head, 256);
	c.next = head - n;
	std::vector<Record> buf(n);
	const std::uint32_t got = ReadRing(seg, &c, buf.data(), std::uint32_t(n));
	if (got < 2)
		return 0;
	// only the stretch after the last restart or gap counts
	std::uint32_t first = 0;
	for (std::uint32_t i = 1; i < got; i++)
		if (buf[i].lost || (buf[i].flags & MXRT_MAX30102_REC_RESTART))
			first = i;
	if (got - first < 2 || buf[got - 1].timestamp_ns <= buf[first].timestamp_ns)
		return 0;
	return double(got - 1 - first) * 1e9 / double(buf[got - 1].timestamp_ns - buf[first].timestamp_ns);
}

std::string Lat(const mxrt::Log2Snapshot &h) {
	if (h.count == 0)
		return "no samples yet";
	char b[128];
	std::snprintf(b, sizeof(b), "p50 %7.1f us  p99 %7.1f us  max %7.1f us  (n=%llu)", mxrt::Log2Percentile(h, 500) / 1e3,
		      mxrt::Log2Percentile(h, 990) / 1e3, double(h.max) / 1e3, (unsigned long long)h.count);
	return b;
}

std::string Text(const Snapshot &s) {
	const mxrtd_shm_vitals &v = s.vitals;
	const mxrtd_shm_config &c = s.config;
	const mxrtd_shm_stats &st = s.stats;
	char b[2048];
	// a section its writer stayed inside: unknown, not the empty copy's SCHED_OTHER and 0 Hz
	std::string sched = s.config_known ? PolicyName(c.sched_policy) : "policy ?";
	if (s.config_known && c.sched_policy == MXRTD_POLICY_DEADLINE)
		sched += " " + std::to_string(c.runtime_ns / 1000) + "/" + std::to_string(c.deadline_ns / 1000) + "/" +
			 std::to_string(c.period_ns / 1000) + " us";
	else if (s.config_known && c.sched_policy == MXRTD_POLICY_FIFO)
		sched += " " + std::to_string(c.sched_priority);
	const std::uint64_t up = s.uptime_ns / 1000000000ull;
	const bool none = v.flags & kVitalsNone;
	const std::string hr = !none && (v.flags & kVitalsHrValid) ? FormatMilli(v.hr_mbpm, 1) : "--";
	const std::string spo2 = !none && (v.flags & kVitalsSpo2Valid) ? FormatMilli(v.spo2_mpct, 1) : "--";
	const char *finger = none || !(v.flags & kVitalsFingerValid) ? "?" : (v.flags & kVitalsFinger) ? "on" : "off";
	// once a reading has failed, the one shown says how old it is: a failing read leaves the
	// last good value (it was shown as if current)
	char temp[80] = "--";
	if (s.temp.flags & MXRTD_TEMP_VALID && s.temp.errors)
		std::snprintf(temp, sizeof(temp), "%.2f C (read %.0f s ago; %u failed)", s.temp.millicelsius / 1000.0,
			      double(s.temp_age_ns) / 1e9, s.temp.errors);
	else if (s.temp.flags & MXRTD_TEMP_VALID)
		std::snprintf(temp, sizeof(temp), "%.2f C", s.temp.millicelsius / 1000.0);
	else if (s.temp.errors)
		std::snprintf(temp, sizeof(temp), "-- (%u failed)", s.temp.errors);
	else if (!s.temp_known)
		std::snprintf(temp, sizeof(temp), "?");
	const std::string configured = s.config_known ? std::to_string(c.sample_rate_hz) : "?";
	const char *state = !s.alive ? "NOT RUNNING (stale segment)" : s.state == MXRTD_STATE_RUNNING ? "running" : "starting";
	// with sample averaging the chip delivers one record per N samples: the rate to compare with
	char avg[64] = "";
	if (c.sample_average > 1)
		std::snprintf(avg, sizeof(avg), ", averaging %u: %.1f records/s", c.sample_average,
			      double(c.sample_rate_hz) / c.sample_average);
	std::snprintf(b, sizeof(b),
		      "%s  %s  pid %u  up %02llu:%02llu:%02llu  %s  %s  %s%s\n"
		      "  HR %6s bpm   SpO2 %6s %%   confidence %3s   finger %-3s   temperature %s\n"
		      "  samples %7.1f/s (configured %s Hz%s)  records %llu  lost %llu  FIFO overflows %llu  overruns %llu  violations %llu\n"
		      "  wake-up latency, IRQ -> consumer: %s\n"
		      "  acquisition,     IRQ -> daemon:   %s\n"
		      "  outputs: message queue %llu sent, %llu dropped; FIFO %llu lines, %llu dropped, %llu without reader; "
		      "consumer overruns %llu; deadline overruns %llu\n",
		      s.device.c_str(), state, s.pid, (unsigned long long)(up / 3600), (unsigned long long)(up / 60 % 60),
		      (unsigned long long)(up % 60), sched.c_str(), s.config_known ? IoName(c.io_method) : "io ?",
		      s.config_known ? WaitName(c.wait_method) : "wait ?", c.mlocked ? "  mlocked" : "", hr.c_str(),
		      spo2.c_str(), none ? "--" : std::to_string(v.confidence).c_str(), finger, temp, s.rate_hz,
		      configured.c_str(), avg, (unsigned long long)st.acq_records,
		      (unsigned long long)st.acq_lost, (unsigned long long)st.acq_fifo_overflows,
		      (unsigned long long)st.acq_overruns, (unsigned long long)st.acq_violations, Lat(s.mon_latency).c_str(),
		      Lat(s.acq_latency).c_str(), (unsigned long long)st.mq_sent, (unsigned long long)st.mq_dropped,
		      (unsigned long long)st.fifo_lines, (unsigned long long)st.fifo_dropped,
		      (unsigned long long)st.fifo_no_reader, (unsigned long long)st.mon_overruns,
		      (unsigned long long)st.dl_overruns);
	return b;
}

// Opens the segments; a name that cannot be opened is said on stderr, or, with `refused`, in
// that string (the live view shows it on its screen). *others counts the names refused as no
// daemon's at all (another user's file, a FIFO): without a DEVICE they do not make the exit 1
// beside a daemon's segment shown (any user could have made every health check fail).
bool OpenAll(const std::vector<std::string> &names, std::vector<Segment> *segs, std::string *refused = nullptr,
	     std::size_t *others = nullptr) {
	segs->clear();
	if (refused)
		refused->clear();
	if (others)
		*others = 0;
	for (const std::string &n : names) {
		int err = 0;
		u32 uid = ~u32(0); // set only by the owner check (shm_open and mmap can say EPERM too)
		Segment s = Segment::Open(n, &err, g_owner, &uid);
		if (err != 0) {
			const std::string line = "/dev/shm" + Printable(n) + ": " +
						 (err == -ENOENT   ? "no such segment (is mxrtd running?)"
						  : err == -EPROTO ? "not a segment of this ABI version"
						  : err == -EAGAIN ? "still being set up"
						  : err == -EBUSY ? "its owner holds a lease on it (no daemon does): not shown"
						  : err == -EPERM && uid != ~u32(0) ? "a file of uid " + std::to_string(uid) + ", not the daemon's user (" +
									OwnerWords() + "; --owner USER names another): not shown"
						  : err == -EINVAL ? "not a regular file (of uid " + std::to_string(uid) +
									 "; a FIFO, directory, symlink or socket is no daemon's segment): not shown"
								   : std::strerror(-err));
			if (others && ((err == -EPERM && uid != ~u32(0)) || err == -EINVAL))
				++*others;
			if (refused)
				*refused += line + "\n";
			else
				std::fprintf(stderr, "mxrt-top: %s\n", line.c_str());
			continue;
		}
		segs->push_back(std::move(s));
	}
	return !segs->empty();
}

int View(const std::string &prefix, const std::vector<std::string> &devices, bool json, double interval, int count) {
	std::vector<Segment> segs;
	const std::vector<std::string> names = Names(prefix, devices);
	if (names.empty()) {
		std::fprintf(stderr, "mxrt-top: no mxrtd segment in /dev/shm (is mxrtd running?)\n");
		return 1;
	}
	// Without a DEVICE, names that are no daemon's (another user's files) are said but do not
	// count as a daemon not shown; a DEVICE named and not shown does.
	std::size_t others = 0;
	const auto all = [&](std::size_t shown, std::size_t looked_up) {
		return shown > 0 && shown + (devices.empty() ? others : 0) == looked_up;
	};
	if (json) {
		if (!OpenAll(names, &segs, nullptr, &others))
			return 1;
		std::string out = "[";
		for (std::size_t i = 0; i < segs.size(); i++) {
			Snapshot s = TakeSnapshot(segs[i]);
			s.rate_hz = RingRate(segs[i]);
			out += (i ? "," : "") + SnapshotJson(s);
		}
		std::printf("%s]\n", out.c_str());
		return all(segs.size(), names.size()) ? 0 : 1; // a DEVICE named and not there: said, and 1
	}
	const bool tty = isatty(STDOUT_FILENO);
	std::string refused; // names found but not opened: said on every screen, not taken for "no segment"
	bool all_shown = false; // the last screen showed every segment asked for (exit 0), or not (1)
	std::size_t looked = 0;  // names looked up at the last open
	const auto reopen = [&] {
		const std::vector<std::string> now = Names(prefix, devices);
		OpenAll(now, &segs, &refused, &others);
		looked = now.size();
	};
	for (int i = 0; (count <= 0 || i < count) && !g_stop; i++) {
		// A daemon that stopped, or died (its segment unlocked: it never says STOPPED), may have
		// been started again under the same name with a new segment: look the names up again.
		// A name refused last time (still being set up, say) is tried again too.
		// One whose file shrank (no daemon's: a read past its end would be SIGBUS) too: Open then
		// refuses it (its sizes no longer fit the file).
		if (segs.empty() || !refused.empty() || std::any_of(segs.begin(), segs.end(), [](const Segment &s) {
			    return !s.Intact() || LoadWord(&s.shm()->events.state.value) == MXRTD_STATE_STOPPED ||
				   !s.OwnerAlive();
		    }))
			reopen();
		std::string screen;
		char head[128];
		time_t t = time(nullptr);
		std::strftime(head, sizeof(head), "mxrt-top  %H:%M:%S", localtime(&t));
		screen += std::string(head) + "  (every " + std::to_string(int(interval * 1000)) + " ms; Ctrl-C quits)\n\n";
		screen += refused;
		if (segs.empty() && refused.empty())
			screen += "no mxrtd segment in /dev/shm (is mxrtd running?)\n";
		all_shown = all(segs.size(), looked);
		for (const Segment &seg : segs) {
			if (!seg.Intact()) { // shrank since the look above: the next refresh opens it again
				screen += "/dev/shm" + Printable(seg.name()) + ": the file shrank under the reader (no daemon's segment)\n";
				all_shown = false;
				continue;
			}
			Snapshot s = TakeSnapshot(seg);
			s.rate_hz = RingRate(seg);
			screen += Text(s) + "\n";
		}
		// in place: home and clear to the end on a terminal; a separator otherwise
		std::fputs(tty ? ("\033[H\033[J" + screen).c_str() : (screen + "--\n").c_str(), stdout);
		// a reader gone (EPIPE with SIGPIPE ignored), a full disk: nobody sees the view, so stop
		// (it refreshed into the void for ever)
		if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
			std::fprintf(stderr, "mxrt-top: writing the view: %s\n", std::strerror(errno));
			return 1;
		}
		if (count > 0 && i + 1 >= count)
			break;
		usleep(useconds_t(interval * 1e6));
	}
	return all_shown ? 0 : 1;
}

// Whether @uid is root's or the daemon's user's (--owner): whose segments and queues are taken for
// the daemon's, as Segment::Open asks too.
bool DaemonsUid(uid_t uid) { return uid == 0 || uid == (g_owner < 0 ? geteuid() : uid_t(g_owner)); }

// Whether /dev/shm<name> is a file of root or the daemon's user; a name that cannot be looked at
// is left to Segment::Open and the queue check to say why.
// (lstat: a symlink of another user's to a file of root's was taken for a second daemon; gone
// meanwhile: the open then says so)
bool OwnersFile(const std::string &name) {
	struct stat st;
	return lstat(("/dev/shm" + name).c_str(), &st) != 0 || (S_ISREG(st.st_mode) && DaemonsUid(st.st_uid));
}

// --records and --messages read one device: the one named, or the only one running. Of several
// running, the first in name order was taken without a word (max30102-10 before max30102-2).
// Another user's segments are not running daemons (anyone can make files in /dev/shm): they
// neither count among several nor are taken for the only one while a daemon's is there.
// 0 (*names then starts with the one to read), or the exit status after saying why.
int OneName(std::vector<std::string> *names, const std::vector<std::string> &devices, const char *mode) {
	if (names->empty()) {
		std::fprintf(stderr, "mxrt-top: no mxrtd segment in /dev/shm (is mxrtd running?)\n");
		return 1;
	}
	if (!devices.empty())
		return 0;
	std::vector<std::string> own;
	std::copy_if(names->begin(), names->end(), std::back_inserter(own), OwnersFile);
	if (own.empty()) {
		std::fprintf(stderr, "mxrt-top: no mxrtd segment of the daemon's user (%s; --owner USER names another) "
				     "in /dev/shm: %zu of others\n",
			     OwnerWords().c_str(), names->size());
		return 1;
	}
	if (own.size() > 1) {
		std::string list;
		for (const std::string &n : own)
			list += " /dev/shm" + Printable(n);
		std::fprintf(stderr, "mxrt-top: %s reads one device, and %zu are running (%s ): name one DEVICE\n", mode,
			     own.size(), list.c_str());
		return 2;
	}
	*names = own;
	return 0;
}

int Consume(const std::string &prefix, const std::vector<std::string> &devices, std::uint64_t want, int stall_ms) {
	std::vector<std::string> names = Names(prefix, devices);
	std::vector<Segment> segs;
	if (const int rc = OneName(&names, devices, "--records"))
		return rc;
	if (!OpenAll({names[0]}, &segs))
		return 1;
	const Segment &seg = segs[0];
	const mxrtd_shm *shm = seg.shm();
	RingCursor cur = RingCursor::AtHead(shm);
	const std::uint32_t *words[2] = {&shm->events.samples.value, &shm->events.state.value};
	const bool waitv = ProbeFutexWaitv() == 0;
	std::uint64_t got = 0, lost = 0, fifo_ovf = 0, violations = 0, last = 0, first = 0;
	std::uint64_t t0 = 0, t1 = 0;
	bool have = false, stalled = false;
	std::vector<std::uint64_t> lat;
	Record buf[64];
	while (got < want && !g_stop) {
		if (!seg.Intact()) {
			std::fprintf(stderr, "mxrt-top: /dev/shm%s: the file shrank under the reader (no daemon's segment)\n",
				     Printable(seg.name()).c_str());
			break; // fewer records than asked for: exit 1
		}
		// every word the wait below may use is read before the ring is looked at: a batch published
		// between the look and the wait then changes the word, and the wait returns at once
		const std::uint32_t seen[2] = {LoadWord(words[0]), LoadWord(words[1])};
		const std::uint32_t any = LoadWord(&shm->events.any.value);
		if (seen[1] == MXRTD_STATE_STOPPED) {
			std::fprintf(stderr, "mxrt-top: the daemon stopped\n");
			break;
		}
		const std::uint64_t now = NowNs();
		std::uint32_t n = ReadRing(seg, &cur, buf, 64);
		if (n == 0) {
			// Not for ever: a daemon that died never says STOPPED, so a wait that times out looks
			// at its lock. The timeout also bounds a Ctrl-C that lands just before the wait (the
			// handler has no SA_RESTART: one during the wait ends it at once).
			const timespec until = AbsoluteIn(CLOCK_MONOTONIC, 250000000);
			const WaitResult w = waitv ? WaitAny(words, seen, 2, &until)
						   : WaitOne(&shm->events.any.value, any, &until);
			if (w.error == -ETIMEDOUT && !seg.OwnerAlive()) {
				std::fprintf(stderr, "mxrt-top: the daemon is no longer running (stale segment, pid %u)\n", shm->pid);
				break;
			}
			continue;
		}
		for (std::uint32_t i = 0; i < n && got < want; i++) {
			const Record &r = buf[i];
			if (!have) {
				first = r.seq;
				t0 = r.timestamp_ns;
			} else if (r.seq != last + 1 + r.lost) {
				violations++;
			}
			if (r.lost && !(r.flags & (MXRT_MAX30102_REC_READER_OVERRUN | MXRT_MAX30102_REC_FIFO_OVERFLOW)))
				violations++; // a gap without a reason
			if (have)
				lost += r.lost;
			fifo_ovf += (r.flags & MXRT_MAX30102_REC_FIFO_OVERFLOW) != 0;
			if ((r.flags & MXRT_MAX30102_REC_IRQ) && now > r.timestamp_ns)
				lat.push_back(now - r.timestamp_ns);
			have = true;
			last = r.seq;
			t1 = r.timestamp_ns;
			got++;
		}
		if (stall_ms > 0 && !stalled) {
			stalled = true;
			usleep(useconds_t(stall_ms) * 1000);
		}
	}
	const double secs = t1 > t0 ? double(t1 - t0) / 1e9 : 0;
	std::printf("records=%llu first_seq=%llu last_seq=%llu lost=%llu reader_overruns=%llu reader_lost=%llu "
		    "fifo_overflows=%llu violations=%llu rate_hz=%.1f wait=%s\n",
		    (unsigned long long)got, (unsigned long long)first, (unsigned long long)last, (unsigned long long)lost,
		    (unsigned long long)cur.overruns, (unsigned long long)cur.lost, (unsigned long long)fifo_ovf,
		    (unsigned long long)violations, secs > 0 ? double(got - 1) / secs : 0.0, waitv ? "futex_waitv" : "futex");
	if (!lat.empty()) {
		std::sort(lat.begin(), lat.end());
		auto at = [&](std::size_t pm) { return lat[std::min(lat.size() - 1, lat.size() * pm / 1000)] / 1e3; };
		std::printf("latency_us: n=%zu p50=%.1f p99=%.1f max=%.1f\n", lat.size(), at(500), at(990), lat.back() / 1e3);
	}
	return violations || got < want ? 1 : 0;
}

int Messages(const std::string &prefix, const std::vector<std::string> &devices, int want, int timeout_ms) {
	std::vector<std::string> names = Names(prefix, devices);
	if (const int rc = OneName(&names, devices, "--messages"))
		return rc;
	mqd_t q = mq_open(names[0].c_str(), O_RDONLY | O_CLOEXEC);
	if (q == mqd_t(-1)) {
		std::fprintf(stderr, "mxrt-top: message queue %s: %s\n", Printable(names[0]).c_str(), std::strerror(errno));
		return 1;
	}
	// on Linux a queue descriptor is a file descriptor: whose queue it is, as for a segment
	struct stat st;
	if (fstat(q, &st) != 0) {
		std::fprintf(stderr, "mxrt-top: message queue %s: %s\n", Printable(names[0]).c_str(), std::strerror(errno));
		mq_close(q);
		return 1;
	}
	if (!DaemonsUid(st.st_uid)) {
		std::fprintf(stderr, "mxrt-top: message queue %s: a queue of uid %u, not the daemon's user (%s; --owner USER names another)\n",
			     Printable(names[0]).c_str(), unsigned(st.st_uid), OwnerWords().c_str());
		mq_close(q);
		return 1;
	}
	const std::string dev = Printable(names[0].substr(prefix.size() + 2));
	int got = 0;
	while (got < want && !g_stop) {
		char buf[8192];
		const timespec t = AbsoluteIn(CLOCK_REALTIME, std::uint64_t(timeout_ms) * 1000000);
		const ssize_t n = mq_timedreceive(q, buf, sizeof(buf), nullptr, &t);
		if (n < 0) {
			std::fprintf(stderr, "mxrt-top: %s: %s after %d message(s)\n", Printable(names[0]).c_str(),
				     errno == ETIMEDOUT ? "no message in time" : std::strerror(errno), got);
			mq_close(q);
			return 1;
		}
		mxrtd_vitals_msg m;
		if (!CheckVitalsMsg(buf, std::size_t(n), &m)) {
			std::fprintf(stderr, "mxrt-top: a message of %zd bytes that is not a vitals message\n", n);
			mq_close(q);
			return 1;
		}
		std::fputs(FifoLine(dev, m).c_str(), stdout);
		std::fflush(stdout);
		got++;
	}
	mq_close(q);
	return 0;
}

// -i: seconds in [lo, hi], a finite number (CLI::Range lets NaN through: every comparison with it
// is false, and int(NaN) later is undefined).
CLI::Validator Seconds(double lo, double hi) {
	const std::string range = "[" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) + "]";
	return mxrt::cli::FiniteNumber(lo, false, hi, "a number of seconds", range, "SECONDS in " + range);
}

// --records: a whole number of records, 1 or more (not -5, which would be read as 2^64 - 5); at
// most 19 digits.
const CLI::Validator kRecords(
	[](std::string &s) -> std::string {
		unsigned long long n;
		if (s.size() <= 19 && mxrt::cli::Decimal(s, 1, ~0ull, &n))
			return {};
		return "'" + s + "' is not a whole number of records, 1 or more";
	},
	"N >= 1");

// A whole number in [lo, hi], decimal digits only, for the int options. CLI11's
// NonNegativeNumber and PositiveNumber refused 0 with "Value 0 not in range 0.000000 to
// 17976931348623157081...", a bound of 309 digits that does not even exclude the 0.
CLI::Validator Whole(unsigned long long lo, unsigned long long hi, const std::string &what) {
	const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
	return CLI::Validator(
		[=](std::string &s) -> std::string {
			unsigned long long n;
			if (s.size() <= 19 && mxrt::cli::Decimal(s, lo, hi, &n))
				return {};
			return "'" + s + "' is not " + what + " in " + range;
		},
		"N in " + range);
}

} // namespace

namespace {

int Main(int argc, char **argv) {
	CLI::App app{"mxrt-top: the live view of mxrtd (shared memory), and a consumer of its ring and message queue", "mxrt-top"};
	std::vector<std::string> devices;
	bool json = false;
	double interval = 1.0;
	int count = 0, stall_ms = 0, priority = 0, cpu = -1, messages = 0, timeout_ms = 10000;
	std::uint64_t records = 0;
	std::string prefix = MXRTD_SHM_PREFIX;
	app.add_option("devices", devices, "devices (/dev/max30102-N or max30102-N); default: every running one");
	app.add_flag("--json", json, "print one JSON array (one object per device) and exit");
	app.add_option("-i,--interval", interval, "refresh interval, s (default 1)")->check(Seconds(0.05, 3600.0));
	app.add_option("-n,--count", count, "refresh this many times, then exit (default: until Ctrl-C)")
		->check(Whole(0, INT_MAX, "a number of refreshes"));
	app.add_option("--records", records, "consume this many records from the shared ring and summarise them")
		->check(kRecords);
	app.add_option("--stall", stall_ms, "with --records: stop reading for this long after the first batch (ms)")
		->check(CLI::Range(0, 600000));
	app.add_option("--priority", priority, "with --records: run as SCHED_FIFO at this priority")->check(CLI::Range(1, 99));
	app.add_option("--cpu", cpu, "with --records: pin to this CPU")->check(CLI::Range(0, 1023));
	app.add_option("--messages", messages, "read this many vitals messages from the message queue")
		->check(Whole(1, INT_MAX, "a number of messages"));
	app.add_option("--timeout-ms", timeout_ms, "with --messages: give up after this long without one (default 10000)")
		->check(Whole(1, INT_MAX, "a number of milliseconds"));
	app.add_option("--prefix", prefix, "the daemon's shm_prefix (default mxrtd)");
	std::string owner;
	app.add_option("--owner", owner, "the user mxrtd runs as, a name or a uid (default: root or you; "
					 "segments and queues of anyone else are not shown)");
	// whole numbers in decimal: CLI11 reads them in base 0 ("--cpu 010" was CPU 8); the options
	// checked with Decimal say themselves what else they refuse
	for (const char *name : {"--stall", "--priority", "--cpu"})
		app.get_option(name)->transform(mxrt::cli::DecimalDigits());
	for (const char *name : {"-n", "--records", "--messages", "--timeout-ms"})
		app.get_option(name)->transform(mxrt::cli::DecimalDigits(false));
	try {
		mxrt::cli::Parse(app, argc, argv);
	} catch (const CLI::CallForHelp &) {
		std::fputs(app.help().c_str(), stdout);
		return 0;
	} catch (const CLI::ParseError &e) {
		std::fprintf(stderr, "mxrt-top: %s\nusage: mxrt-top [--json] [-i S] [-n N] [--records N [--stall MS]] [--messages N] [DEVICE...]\n",
			     e.what());
		return 2;
	}
	if (records > 0 && messages > 0) {
		std::fprintf(stderr, "mxrt-top: --records or --messages, not both\n");
		return 2;
	}
	if (app.count("--owner") > 0) {
		unsigned long long uid = 0;
		if (mxrt::cli::Decimal(owner, 0, 0xfffffffeull, &uid)) {
			g_owner = (long long)uid;
		} else if (const passwd *pw = owner.empty() ? nullptr : getpwnam(owner.c_str())) {
			g_owner = (long long)pw->pw_uid;
		} else {
			std::fprintf(stderr, "mxrt-top: --owner: no user '%s'\n", Printable(owner).c_str());
			return 2;
		}
	}
	// the names a segment is looked up by: what mxrtd would make (a '/' in --prefix, an empty
	// DEVICE or one ending in '/' were looked up anyway and said "Invalid argument")
	if (!ShmPrefixOk(prefix)) {
		std::fprintf(stderr, "mxrt-top: --prefix must be 1..64 letters, digits, '_', '.' or '-' (mxrtd's shm_prefix), "
				     "not '%s'\n", Printable(prefix).c_str());
		return 2;
	}
	for (const std::string &d : devices)
		if (ShmNameFor(prefix, d).empty()) {
			std::fprintf(stderr, "mxrt-top: '%s' names no device (/dev/max30102-N or max30102-N)\n",
				     Printable(d).c_str());
			return 2;
		}
	// an option the chosen mode does not use is refused, not ignored (--stall without --records
	// ran the table view as if it were not there; --records used only the first DEVICE)
	auto given = [&](const char *name) { return app.count(name) > 0; };
	auto refuse = [](const std::string &why) {
		std::fprintf(stderr, "mxrt-top: %s\n", why.c_str());
		return 2;
	};
	for (const char *name : {"--stall", "--priority", "--cpu"})
		if (given(name) && records == 0)
			return refuse(std::string(name) + " is for --records");
	if (given("--timeout-ms") && messages == 0)
		return refuse("--timeout-ms is for --messages");
	if (json)
		for (const char *name : {"-i", "-n"})
			if (given(name))
				return refuse(std::string(name) + " is for the live table, not --json (one snapshot)");
	if (records > 0 || messages > 0) {
		const char *mode = records > 0 ? "--records" : "--messages";
		for (const char *name : {"-i", "-n", "--json"})
			if (given(name))
				return refuse(std::string(name) + " is for the table view, not " + mode);
		if (devices.size() > 1)
			return refuse(std::string(mode) + " reads one device, not " + std::to_string(devices.size()));
	}

	// Without SA_RESTART (signal() sets it): a futex wait that a signal interrupts returns EINTR
	// instead of going back to sleep, so that Ctrl-C ends --records while no sample comes.
	struct sigaction sa {};
	sa.sa_handler = OnSignal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	if (records > 0) {
		if (cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) != 0) {
				std::fprintf(stderr, "mxrt-top: CPU %d: %s\n", cpu, std::strerror(errno));
				return 1;
			}
		}
		if (priority > 0) {
			sched_param sp{};
			sp.sched_priority = priority;
			if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
				std::fprintf(stderr, "mxrt-top: SCHED_FIFO %d: %s\n", priority, std::strerror(errno));
				return 1;
			}
		}
		return Consume(prefix, devices, records, stall_ms);
	}
	if (messages > 0)
		return Messages(prefix, devices, messages, timeout_ms);
	return View(prefix, devices, json, interval, count);
}

} // namespace

int main(int argc, char **argv) { return mxrt::cli::StdoutChecked("mxrt-top", Main(argc, argv)); }
