// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd). See consumers.hpp.
#include "consumers.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "futex.hpp"
#include "log.hpp"
#include "messages.hpp"
#include "sched.hpp"

namespace mxrtd {

static std::uint64_t NowNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

namespace {

// /proc/sys/fs/mqueue/msg_max (the deepest queue without CAP_SYS_RESOURCE), or -1
long MqueueMsgMax() {
	std::ifstream in("/proc/sys/fs/mqueue/msg_max");
	long v = -1;
	return in >> v ? v : -1;
}

} // namespace

std::string MessageQueueDepthNote(std::uint32_t maxmsg) {
	const long msg_max = MqueueMsgMax();
	if (msg_max < 0 || maxmsg <= std::uint64_t(msg_max))
		return {};
	return "mqueue_maxmsg " + std::to_string(maxmsg) + " is above this system's fs.mqueue.msg_max (" +
	       std::to_string(msg_max) +
	       "): the kernel makes such a queue only for a daemon with CAP_SYS_RESOURCE, which the shipped unit "
	       "does not give; raise fs.mqueue.msg_max (sysctl) or lower mqueue_maxmsg";
}

int OpenMessageQueue(const std::string &name, std::uint32_t maxmsg, unsigned mode, mqd_t *out, std::string *why) {
	// The device's lock is ours: a queue of this name is a crashed daemon's. Start afresh.
	mq_unlink(name.c_str());
	mq_attr attr{};
	attr.mq_maxmsg = long(maxmsg);
	attr.mq_msgsize = sizeof(mxrtd_vitals_msg);
	const mode_t old = umask(0);
	*out = mq_open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC, mode, &attr);
	umask(old);
	if (*out == mqd_t(-1)) {
		const int e = errno;
		*why = "mq_open " + name + ": " + std::strerror(e);
		const long msg_max = MqueueMsgMax();
		rlimit rl{};
		if (e == EINVAL && msg_max >= 0 && maxmsg > std::uint64_t(msg_max) && !Capable(24 /* CAP_SYS_RESOURCE: may pass msg_max */))
			*why += " (mqueue_maxmsg " + std::to_string(maxmsg) + " is above fs.mqueue.msg_max, " +
				std::to_string(msg_max) +
				", and the daemon has no CAP_SYS_RESOURCE: raise fs.mqueue.msg_max with sysctl, or lower "
				"mqueue_maxmsg)";
		else if (e == EINVAL)
			*why += " (a queue of " + std::to_string(maxmsg) + " messages of " +
				std::to_string(sizeof(mxrtd_vitals_msg)) +
				" bytes: see fs.mqueue.msg_max and msgsize_max in /proc/sys/fs/mqueue)";
		else if (e == EMFILE && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
			*why += " (the user's RLIMIT_MSGQUEUE, " +
				(rl.rlim_cur == RLIM_INFINITY ? std::string("unlimited") : std::to_string(rl.rlim_cur)) +
				" bytes for all of this user's queues, is too small for " + std::to_string(maxmsg) +
				" messages of " + std::to_string(sizeof(mxrtd_vitals_msg)) +
				" bytes and the kernel's about 96 bytes each: LimitMSGQUEUE= in the unit, or a lower "
				"mqueue_maxmsg)";
		return -e;
	}
	return 0;
}

namespace {

// openat2(2) (Linux 5.6; glibc 2.36 has no wrapper): @path (relative to @at) resolved without
// magic links (/proc/PID/root, /proc/PID/fd: another process's view of the files); a plain
// lookup where openat2 is missing (ENOSYS: a kernel before 5.6, or a seccomp filter)
int OpenNoMagicLinks(int at, const char *path, int flags) {
	open_how how{};
	how.flags = std::uint64_t(flags);
	how.resolve = RESOLVE_NO_MAGICLINKS;
	const int fd = int(syscall(SYS_openat2, at, path, &how, sizeof(how)));
	return fd < 0 && errno == ENOSYS ? openat(at, path, flags) : fd;
}

std::string ProcFd(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// The FIFO @name in @dir is the daemon's from now on: held and known by its inode. Whoever can
// write the directory could have swapped it since it was checked or made: then it is not used.
int Pin(int dir, const std::string &dir_path, const struct stat &dir_st, const std::string &name, const std::string &p,
	unsigned mode, bool reused, FifoId *id, std::string *why) {
	const int pin = openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (pin < 0 || fstat(pin, &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1) {
		const bool gone = pin < 0 && errno == ENOENT;
		if (pin >= 0)
			close(pin);
		*why = p + ": " + (gone ? "removed" : "replaced") + " by someone else as the daemon made it its own: not using it";
		return -EEXIST;
	}
	// a crashed daemon's: the same FIFO serves again, readable as configured now (made under
	// another shm_mode, it would still let others read the vitals). Through the held inode: a
	// chmod by path would follow whatever is at the path by then.
	if (reused && (st.st_mode & 07777) != mode && chmod(ProcFd(pin).c_str(), mode) != 0) {
		const int e = errno;
		close(pin);
		*why = "chmod " + p + ": " + std::strerror(e);
		return -e;
	}
	// every later open goes through the held descriptor (/proc/self/fd): make sure that works here
	struct stat again;
	if (stat(ProcFd(pin).c_str(), &again) != 0 || again.st_ino != st.st_ino || again.st_dev != st.st_dev) {
		const int e = errno;
		close(pin);
		*why = p + ": the FIFO is reopened through /proc/self/fd, which is not usable here (" + std::strerror(e) +
		       "): mount /proc, or run with fifo = false";
		return -ENOENT;
	}
	*id = FifoId{dir, name, pin, st.st_dev, st.st_ino, dir_path, dir_st.st_dev, dir_st.st_ino};
	return 0;
}

} // namespace

int MakeFifo(const std::string &dir_path, const std::string &device_name, unsigned mode, std::string *path,
	     FifoId *id, std::string *why, long *replaced_uid, MadeDir *made_dir) {
	mode = (mode & 0777) | 0200; // readable as the segment and the queue are; the daemon writes
	if (replaced_uid)
		*replaced_uid = -1;
	auto refused = [&](const std::string &what, int e) {
		*why = what + ": " + std::strerror(e) +
		       (e == ELOOP ? " (it leads through a /proc/PID/root or /proc/PID/fd link: another process's view of the "
				     "files, not the daemon's)"
				   : "");
		return -e;
	};
	// The directory is made and opened relative to its parent, which is held until the daemon
	// removes the directory at exit: a path looked up again then could lead anywhere by then.
	std::string trimmed = dir_path;
	while (trimmed.size() > 1 && trimmed.back() == '/')
		trimmed.pop_back();
	const std::size_t slash = trimmed.rfind('/');
	const std::string parent_path = slash == std::string::npos ? "." : slash == 0 ? "/" : trimmed.substr(0, slash);
	// "/" itself: its own parent, never made (base "." names it)
	const std::string base = trimmed == "/" ? "." : slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
	const int parent = OpenNoMagicLinks(AT_FDCWD, parent_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return refused("fifo_dir " + dir_path, errno);
	struct stat dst;
	bool keep_parent = false;
	if (mkdirat(parent, base.c_str(), 0755) == 0) {
		// recorded at once (whatever fails below, the start removes it at exit), by the inode
		// made: a symlink put at its name since is no directory of the daemon's
		if (made_dir && fstatat(parent, base.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(dst.st_mode)) {
			*made_dir = MadeDir{parent, base, dir_path, dst.st_dev, dst.st_ino};
			keep_parent = true;
		}
	} else if (errno != EEXIST) {
		const int e = errno;
		close(parent);
		*why = "mkdir " + dir_path + ": " + std::strerror(e);
		return -e;
	}
	const int dir = OpenNoMagicLinks(parent, base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	const int open_errno = errno;
	if (!keep_parent)
		close(parent);
	if (dir < 0 || fstat(dir, &dst) != 0) {
		const int e = dir < 0 ? open_errno : errno;
		if (dir >= 0)
			close(dir);
		return refused("fifo_dir " + dir_path, e);
	}
	// *path is set only for a FIFO that is the daemon's: the daemon removes it at exit.
	const std::string name = device_name + ".fifo";
	const std::string p = dir_path + "/" + name;
	auto fail = [&](int e) {
		close(dir);
		return e;
	};
	struct stat st;
	if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			*why = p + " exists and is not a FIFO: not touching it";
			return fail(-EEXIST);
		}
		// A FIFO with another name too (a hard link, which fs.protected_hardlinks = 0 lets anyone
		// make to a root service's FIFO) is not a crashed daemon's: replaced like another user's.
		if (st.st_uid == geteuid() && st.st_nlink == 1) {
			const int r = Pin(dir, dir_path, dst, name, p, mode, true, id, why);
			if (r != 0)
				return fail(r);
			*path = p;
			return 0;
		}
		if (unlinkat(dir, name.c_str(), 0) != 0) {
			const int e = errno;
			*why = p + " is a FIFO of uid " + std::to_string(st.st_uid) +
			       ", which could write lines into it as the daemon's, and cannot be removed: " + std::strerror(e);
			return fail(-e);
		}
		if (replaced_uid)
			*replaced_uid = long(st.st_uid);
	}
	const mode_t old = umask(0);
	const int r = mkfifoat(dir, name.c_str(), mode);
	umask(old);
	if (r != 0) {
		const int e = errno;
		*why = "mkfifo " + p + ": " + std::strerror(e);
		return fail(-e);
	}
	const int pr = Pin(dir, dir_path, dst, name, p, mode, false, id, why);
	if (pr != 0)
		return fail(pr);
	*path = p;
	return 0;
}

namespace {

// What is at the FIFO's name in the directory the daemon holds: 0 its FIFO, -ENOENT, -ESTALE
int AtName(const FifoId &id) {
	struct stat st;
	if (fstatat(id.dir, id.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? -ENOENT : -ESTALE;
	return S_ISFIFO(st.st_mode) && st.st_dev == id.dev && st.st_ino == id.ino ? 0 : -ESTALE;
}

} // namespace

int FifoAtPath(const FifoId &id) {
	struct stat st;
	// readers look the whole path up: the directory itself may have been moved and another put
	// at its path. Looked up as at the start, without magic links (/proc/PID/root leads into
	// another user's mounts, where a bind mount of the daemon's directory has its inode); an O_PATH
	// open opens nothing
	const int dir = OpenNoMagicLinks(AT_FDCWD, id.dir_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return errno == ENOENT ? -ENOENT : -ESTALE;
	const bool same = fstat(dir, &st) == 0 && st.st_dev == id.dir_dev && st.st_ino == id.dir_ino;
	close(dir);
	return same ? AtName(id) : -ESTALE;
}

int OpenOwnFifo(const FifoId &id) {
	// the held inode itself, whatever is at the path now: nothing else is ever opened
	const int fd = open(ProcFd(id.pin).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int RemoveMadeDir(MadeDir *d) {
	if (d->parent < 0)
		return 0;
	struct stat st;
	int r = 0;
	// the same directory, still at its name in the parent held since the start; empty or not,
	// rmdir says (ENOTEMPTY: someone put something there meanwhile, and it stays)
	if (fstatat(d->parent, d->base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_dev == d->dev && st.st_ino == d->ino)
		r = unlinkat(d->parent, d->base.c_str(), AT_REMOVEDIR) == 0 ? 0 : -errno;
	close(d->parent);
	*d = MadeDir{};
	return r;
}

void CloseFifo(FifoId *id) {
	if (id->dir >= 0 && AtName(*id) == 0)
		unlinkat(id->dir, id->name.c_str(), 0);
	if (id->pin >= 0)
		close(id->pin);
	if (id->dir >= 0)
		close(id->dir);
	*id = FifoId{};
}

void Consumers::Setup(const char *name) {
	pthread_setname_np(pthread_self(), name);
	SetAffinity(cfg_.consumer_cpus);
	if (rt_)
		SetFifo(cfg_.consumer_priority); // checked in Start
}

int Consumers::Start(std::vector<Outputs *> outs, const Config &cfg) {
	outs_ = outs;
	cfg_ = cfg;
	method_ = cfg.wait;
	if (method_ == WaitMethod::kFutexWaitv) {
		const int r = ProbeFutexWaitv();
		if (r != 0) {
			const std::string why = "futex_waitv unavailable (" + std::string(std::strerror(-r)) + ")" +
						(r == -ENOSYS ? ": the kernel is older than 5.16, or a seccomp filter forbids it" : "");
			if (cfg.wait_fallback == WaitFallback::kNone) {
				LOG_E("%s; no fallback configured (wait_fallback = \"none\"): exiting", why.c_str());
				return 3;
			}
			LOG_W("%s; consumers fall back to FUTEX_WAIT on the segments' any word as configured", why.c_str());
			method_ = WaitMethod::kFutex;
		}
	}
	// The CPUs, checked once here where a refusal can still stop the start (Setup sets them).
	int aff = 0;
	std::thread([&] { aff = SetAffinity(cfg.consumer_cpus); }).join();
	if (aff != 0) {
		LOG_E("consumer threads: %s; exiting", DescribeAffinityRefusal(aff, cfg.consumer_cpus).c_str());
		return 3;
	}
	if (cfg.consumer_priority > 0) {
		// Check once here, where a refusal can still stop the start.
		std::thread probe([&] { rt_ = SetFifo(cfg.consumer_priority) == 0; });
		probe.join();
		if (!rt_) {
			if (cfg.sched_fallback == SchedFallback::kNone) {
				LOG_E("consumer threads: SCHED_FIFO %u refused (CAP_SYS_NICE or LimitRTPRIO needed); no fallback: exiting",
				      cfg.consumer_priority);
				return 3;
			}
			LOG_W("consumer threads: SCHED_FIFO %u refused (CAP_SYS_NICE or LimitRTPRIO needed); they run under SCHED_OTHER",
			      cfg.consumer_priority);
		}
	}
	// FUTEX_WAIT sleeps on one word: the first device's (Wait)
	const std::string one_word =
		method_ == WaitMethod::kFutex && outs.size() > 1
			? "; FUTEX_WAIT sleeps on " + outs[0]->device_name + "'s events only: the other " +
				  std::to_string(outs.size() - 1) +
				  " device(s)' are seen within 10 ms (futex_waitv, Linux 5.16+, wakes on every device's)"
			: std::string();
	LOG_I("consumer threads wait with %s%s%s", method_ == WaitMethod::kFutexWaitv ? "futex_waitv" : "FUTEX_WAIT",
	      rt_ ? (", SCHED_FIFO " + std::to_string(cfg.consumer_priority)).c_str() : ", SCHED_OTHER", one_word.c_str());
	monitor_ = std::thread([this] { Monitor(); });
	publisher_ = std::thread([this] { Publisher(); });
	return 0;
}

void Consumers::Join() {
	if (monitor_.joinable())
		monitor_.join();
	if (publisher_.joinable())
		publisher_.join();
}

void Consumers::Wait(const std::vector<const std::uint32_t *> &words, const std::vector<std::uint32_t> &seen,
		     const std::vector<const std::uint32_t *> &any, const std::vector<std::uint32_t> &any_seen) {
	if (method_ == WaitMethod::kFutexWaitv) {
		WaitAny(words.data(), seen.data(), unsigned(words.size()), nullptr);
		return;
	}
	// One word: the first device's. With several devices, a short timeout so that the others are
	// looked at too (the fallback costs latency on all but the first device; Start's log line says so).
	const timespec t = AbsoluteIn(CLOCK_MONOTONIC, 10000000);
	WaitOne(any[0], any_seen[0], any.size() > 1 ? &t : nullptr);
}

void Consumers::Monitor() {
	Setup("mxrtd-monitor");
	std::vector<RingCursor> cur;
	for (Outputs *o : outs_)
		cur.push_back(RingCursor::AtHead(o->seg->shm()));
	std::vector<const std::uint32_t *> words, any;
	for (Outputs *o : outs_) {
		words.push_back(&o->seg->shm()->events.samples.value);
		words.push_back(&o->seg->shm()->events.state.value);
		any.push_back(&o->seg->shm()->events.any.value);
	}
	std::vector<std::uint32_t> seen(words.size()), any_seen(any.size());
	Record buf[64];
	for (;;) {
		for (std::size_t i = 0; i < words.size(); i++)
			seen[i] = LoadWord(words[i]);
		for (std::size_t i = 0; i < any.size(); i++)
			any_seen[i] = LoadWord(any[i]);
		bool stopping = false;
		for (std::size_t d = 0; d < outs_.size(); d++)
			stopping |= seen[2 * d + 1] == MXRTD_STATE_STOPPED;
		if (stopping)
			return;
		const std::uint64_t now = NowNs(); // the wake-up (or the look after it)
		bool got = false;
		for (std::size_t d = 0; d < outs_.size(); d++) {
			ShmWriter w(outs_[d]->seg->shm());
			const mxrt::Log2Hist lat = w.MonLatency();
			// what the driver queued before the daemon started reading is no wake-up delay: measured
			// from when the acquisition thread measures too (it has caught up with the backlog)
			const bool measure = ReadLatency(outs_[d]->seg->shm()->acq_latency).count > 0;
			const std::uint64_t overruns = cur[d].overruns, lost = cur[d].lost;
			std::uint32_t n;
			while ((n = ReadRing(outs_[d]->seg->shm(), &cur[d], buf, 64)) > 0) {
				got = true;
				for (std::uint32_t i = 0; measure && i < n; i++)
					if ((buf[i].flags & MXRT_MAX30102_REC_IRQ) && now > buf[i].timestamp_ns)
						lat.AddSingleWriter(now - buf[i].timestamp_ns);
				w.Add(&mxrtd_shm_stats::mon_records, n);
			}
			if (cur[d].overruns != overruns) {
				w.Add(&mxrtd_shm_stats::mon_overruns, cur[d].overruns - overruns);
				w.Add(&mxrtd_shm_stats::mon_lost, cur[d].lost - lost);
				LOG_W("%s: the daemon's consumer fell behind the shared ring: %llu records lost",
				      outs_[d]->device_name.c_str(), (unsigned long long)(cur[d].lost - lost));
			}
		}
		if (got)
			continue; // look again before sleeping: the words were read before the ring
		Wait(words, seen, any, any_seen);
		for (Outputs *o : outs_)
			ShmWriter(o->seg->shm()).Add(&mxrtd_shm_stats::mon_wakeups, 1);
	}
}

void Consumers::Publish(Outputs *o, const mxrtd_shm_vitals &v, std::uint64_t superseded) {
	ShmWriter w(o->seg->shm());
	mxrtd_shm_temp t{};
	const bool have_temp = ReadTemp(o->seg->shm(), &t);
	const mxrtd_vitals_msg m = MakeVitalsMsg(o->device_index, v, have_temp ? &t : nullptr);
	// Updates a newer one replaced before this thread ran (it runs below the acquisition thread)
	// get no message: dropped like those a full queue or a slow FIFO reader has no room for.
	if (o->mq != mqd_t(-1) && superseded)
		w.Add(&mxrtd_shm_stats::mq_dropped, superseded);
	if (o->mq != mqd_t(-1)) {
		if (mq_send(o->mq, reinterpret_cast<const char *>(&m), sizeof(m), 0) == 0) {
			w.Add(&mxrtd_shm_stats::mq_sent, 1);
			o->mq_full_reported = false;
		} else {
			w.Add(&mxrtd_shm_stats::mq_dropped, 1);
			if (!o->mq_full_reported)
				LOG_W("%s: message queue %s: %s: vitals updates are dropped (and counted) until someone reads it",
				      o->device_name.c_str(), o->seg->name().c_str(), std::strerror(errno));
			o->mq_full_reported = true;
		}
	}
	if (o->fifo_path.empty())
		return;
	if (o->fifo_fd < 0) {
		// Readers open the path: whether they can reach the daemon's FIFO is said when it changes
		// (at most once an update; the daemon never opens what is there instead)
		const int at = FifoAtPath(o->fifo_id);
		if (at != o->fifo_at_path) {
			if (at == 0)
				LOG_I("%s: %s is the daemon's FIFO again", o->device_name.c_str(), o->fifo_path.c_str());
			else
				LOG_W("%s: %s is %s: vitals lines reach no reader (counted in fifo_no_reader) while it is not back",
				      o->device_name.c_str(), o->fifo_path.c_str(),
				      at == -ENOENT ? "gone (removed while the daemon ran)"
						    : "no longer the daemon's FIFO (something else was put there, which the daemon never opens)");
			o->fifo_at_path = at;
		}
		const int fd = OpenOwnFifo(o->fifo_id);
		if (fd < 0) {
			// ENXIO: nobody has it open for reading; the updates a newer one replaced would not
			// have reached anyone either
			w.Add(&mxrtd_shm_stats::fifo_no_reader, 1 + superseded);
			if (fd != -ENXIO && fd != o->fifo_open_error)
				LOG_W("%s: opening %s: %s: vitals lines are counted in fifo_no_reader", o->device_name.c_str(),
				      o->fifo_path.c_str(), std::strerror(-fd));
			o->fifo_open_error = fd == -ENXIO ? 0 : fd;
			return;
		}
		o->fifo_fd = fd;
		o->fifo_open_error = 0;
	}
	if (superseded)
		w.Add(&mxrtd_shm_stats::fifo_dropped, superseded);
	const std::string line = FifoLine(o->device_name, m);
	const ssize_t n = write(o->fifo_fd, line.data(), line.size()); // < PIPE_BUF: all or nothing
	if (n == ssize_t(line.size())) {
		w.Add(&mxrtd_shm_stats::fifo_lines, 1);
	} else if (n < 0 && errno == EAGAIN) {
		w.Add(&mxrtd_shm_stats::fifo_dropped, 1); // the reader is not keeping up
	} else {
		w.Add(&mxrtd_shm_stats::fifo_no_reader, 1); // EPIPE: the reader went away
		close(o->fifo_fd);
		o->fifo_fd = -1;
	}
}

void Consumers::Publisher() {
	Setup("mxrtd-publish");
	std::vector<const std::uint32_t *> words, any;
	for (Outputs *o : outs_) {
		words.push_back(&o->seg->shm()->events.vitals.value);
		words.push_back(&o->seg->shm()->events.temp.value);
		words.push_back(&o->seg->shm()->events.state.value);
		any.push_back(&o->seg->shm()->events.any.value);
	}
	std::vector<std::uint32_t> seen(words.size()), any_seen(any.size());
	std::vector<std::uint64_t> done(outs_.size(), 0); // vitals updates published, per device
	for (std::size_t d = 0; d < outs_.size(); d++) {
		mxrtd_shm_vitals v{};
		ReadVitals(outs_[d]->seg->shm(), &v);
		done[d] = v.updates;
	}
	for (;;) {
		for (std::size_t i = 0; i < words.size(); i++)
			seen[i] = LoadWord(words[i]);
		for (std::size_t i = 0; i < any.size(); i++)
			any_seen[i] = LoadWord(any[i]);
		bool stopping = false;
		for (std::size_t d = 0; d < outs_.size(); d++)
			stopping |= seen[3 * d + 2] == MXRTD_STATE_STOPPED;
		if (stopping)
			return;
		for (std::size_t d = 0; d < outs_.size(); d++) {
			mxrtd_shm_vitals v{};
			if (ReadVitals(outs_[d]->seg->shm(), &v) && v.updates != done[d]) {
				const std::uint64_t superseded = v.updates > done[d] ? v.updates - done[d] - 1 : 0;
				done[d] = v.updates;
				Publish(outs_[d], v, superseded);
			}
		}
		Wait(words, seen, any, any_seen);
	}
}

} // namespace mxrtd
