// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd). See acquire.hpp.
#include "acquire.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "futex.hpp"
#include "log.hpp"
#include "messages.hpp"
#include "sched.hpp"

namespace mxrtd {

std::atomic<std::uint64_t> g_dl_overruns{0};

static void OnXcpu(int) { g_dl_overruns.fetch_add(1, std::memory_order_relaxed); }
static void OnUsr1(int) {} // only to interrupt a blocking read (no SA_RESTART)

void InstallAcquisitionSignals() {
	struct sigaction sa {};
	sa.sa_handler = OnXcpu;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGXCPU, &sa, nullptr);
	sa.sa_handler = OnUsr1;
	sigaction(SIGUSR1, &sa, nullptr);
}

static std::uint64_t NowNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

// user_data of the two reads in the ring
constexpr std::uint64_t kTagDevice = 1, kTagStop = 2, kTagCancel = 3;
constexpr int kExitUnavailable = 3;

int Acquisition::Start() {
	stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (stop_fd_ < 0) {
		LOG_E("%s: eventfd: %s", dev_->path().c_str(), std::strerror(errno));
		return 1;
	}
	// The records buffer: page-aligned (registered with io_uring), locked with everything else.
	void *p = mmap(nullptr, 64 * sizeof(Record), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		LOG_E("%s: mmap: %s", dev_->path().c_str(), std::strerror(errno));
		return 1;
	}
	buf_ = static_cast<Record *>(p);
	thread_ = std::thread([this] { Run(); });
	std::unique_lock<std::mutex> lk(mu_);
	cv_.wait(lk, [this] { return start_done_; });
	if (start_status_ != 0) {
		lk.unlock();
		thread_.join();
	}
	return start_status_;
}

void Acquisition::Stop() {
	if (thread_.joinable()) {
		stop_.store(true, std::memory_order_release);
		const std::uint64_t one = 1;
		if (write(stop_fd_, &one, sizeof(one)) < 0) {
			// the eventfd counter cannot overflow here; the signal below still ends a read
		}
		// a blocking read() only ends with a signal; repeated in case it landed just before the read
		while (!failed_.load(std::memory_order_acquire)) {
			if (io_ != IoMethod::kRead)
				break;
			pthread_kill(pthread_, SIGUSR1);
			std::unique_lock<std::mutex> lk(mu_);
			if (cv_.wait_for(lk, std::chrono::milliseconds(20), [this] { return !running_; }))
				break;
		}
		thread_.join();
	}
	if (ring_) {
		io_uring_queue_exit(ring_);
		delete ring_;
		ring_ = nullptr;
	}
	if (buf_) {
		munmap(buf_, 64 * sizeof(Record));
		buf_ = nullptr;
	}
	if (stop_fd_ >= 0) {
		close(stop_fd_);
		stop_fd_ = -1;
	}
}

void Acquisition::Reschedule(const Config &cfg) {
	{
		std::lock_guard<std::mutex> g(resched_mu_);
		resched_cfg_ = cfg;
	}
	resched_.store(true, std::memory_order_release);
}

// ---- scheduling ------------------------------------------------------------------------------------

// On the acquisition thread, between batches: a configuration Reschedule() left for it.
void Acquisition::ApplyReschedule() {
	if (!resched_.exchange(false, std::memory_order_acq_rel))
		return;
	std::lock_guard<std::mutex> g(resched_mu_);
	if (Schedule(resched_cfg_, false) == 0) {
		cfg_ = resched_cfg_; // only scheduling differs: the rest takes a restart (Daemon::Reload)
	} else {
		// Refused (said above): the thread is under SCHED_OTHER now. Back to what ran before.
		LOG_W("%s: reload: back to the scheduling in force before it", dev_->path().c_str());
		if (Schedule(cfg_, false) != 0) {
			LOG_E("%s: the scheduling in force before the reload is refused now too: stopping",
			      dev_->path().c_str());
			failed_.store(true, std::memory_order_release);
		}
	}
	sched_gen_.fetch_add(1, std::memory_order_release); // the daemon publishes what runs now
}

Config Acquisition::Running() const {
	std::lock_guard<std::mutex> g(resched_mu_);
	return cfg_;
}

Config Acquisition::Wanted() const {
	std::lock_guard<std::mutex> g(resched_mu_);
	return resched_.load(std::memory_order_acquire) ? resched_cfg_ : cfg_;
}

int Acquisition::Schedule(const Config &c, bool at_start) {
	const char *dev = dev_->path().c_str();
	const char *outcome = at_start ? "exiting" : "not applied"; // a reload keeps the daemon running
	int err = 0;
	if (!at_start && policy() != MXRTD_POLICY_OTHER)
		SetOther(); // SIGHUP: out of the real-time class first (a deadline thread cannot move)
	// Pinning first, whatever the policy: a deadline thread cannot change its CPUs (EBUSY) unless
	// they are a root domain. A refused sched_setattr below leaves them as set here.
	if (const int aff = SetAffinity(c.cpus)) {
		LOG_E("%s: %s; %s", dev, DescribeAffinityRefusal(aff, c.cpus).c_str(), outcome);
		return kExitUnavailable;
	}
	if (c.policy == Policy::kDeadline) {
		err = SetDeadline(c.runtime_ns, c.deadline_ns, c.period_ns, true);
		if (err == 0) {
			policy_.store(MXRTD_POLICY_DEADLINE, std::memory_order_relaxed);
			LOG_I("%s: acquisition under SCHED_DEADLINE, runtime %llu us, deadline %llu us, period %llu us%s%s", dev,
			      (unsigned long long)(c.runtime_ns / 1000), (unsigned long long)(c.deadline_ns / 1000),
			      (unsigned long long)(c.period_ns / 1000), c.cpus.empty() ? "" : ", CPUs ",
			      FormatCpuList(c.cpus).c_str());
			return 0;
		}
		const std::string why = DescribeDeadlineRefusal(err, c.cpus);
		if (c.sched_fallback == SchedFallback::kNone) {
			LOG_E("%s: %s; no fallback configured (fallback = \"none\"): %s", dev, why.c_str(), outcome);
			return kExitUnavailable;
		}
		LOG_W("%s: %s; falling back to SCHED_FIFO %u as configured", dev, why.c_str(), c.priority);
	} else if (c.policy == Policy::kOther) {
		SetOther();
		policy_.store(MXRTD_POLICY_OTHER, std::memory_order_relaxed);
		LOG_W("%s: acquisition under SCHED_OTHER (policy = \"other\"): no real-time guarantee", dev);
		return 0;
	}
	err = SetFifo(c.priority);
	if (err == 0) {
		policy_.store(MXRTD_POLICY_FIFO, std::memory_order_relaxed);
		LOG_I("%s: acquisition under SCHED_FIFO %u%s%s", dev, c.priority, c.cpus.empty() ? "" : ", CPUs ",
		      FormatCpuList(c.cpus).c_str());
		return 0;
	}
	LOG_E("%s: SCHED_FIFO %u refused (%s): give the daemon CAP_SYS_NICE or LimitRTPRIO=%u; %s", dev, c.priority,
	      std::strerror(-err), c.priority, outcome);
	return kExitUnavailable;
}

// ---- io ------------------------------------------------------------------------------------------------

// what refused: io_uring_setup, or with a ring made, registering the buffer and files
static std::string UringRefusal(int err, const char *step) {
	std::string s = "io_uring unavailable (" + std::string(step) + ": " + std::string(std::strerror(-err)) + ")";
	const int sysctl = IoUringDisabledSysctl();
	if (sysctl == 2)
		s += ": disabled by kernel.io_uring_disabled = 2";
	else if (sysctl == 1 && err == -EPERM)
		s += ": kernel.io_uring_disabled = 1 allows it only to the io_uring group (kernel.io_uring_group)";
	else if (err == -ENOSYS)
		s += ": this kernel has no io_uring, or a seccomp filter forbids it";
	return s;
}

int Acquisition::SetupIo() {
	const char *dev = dev_->path().c_str();
	io_ = cfg_.io;
	if (io_ == IoMethod::kUring) {
		ring_ = new io_uring;
		io_uring_params params{};
		// One thread submits and reaps: task work runs only when it waits for completions.
		params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
		int r = io_uring_queue_init_params(8, ring_, &params);
		if (r == -EINVAL) { // kernel < 6.1: plain
			params = {};
			r = io_uring_queue_init_params(8, ring_, &params);
		}
		const char *step = "io_uring_setup";
		if (r == 0) {
			step = "registering the buffer and files";
			iovec iov{buf_, 64 * sizeof(Record)};
			const int files[2] = {dev_->fd(), stop_fd_};
			r = io_uring_register_buffers(ring_, &iov, 1);
			if (r == 0)
				r = io_uring_register_files(ring_, files, 2);
			if (r != 0) {
				LOG_E("%s: io_uring: registering the buffer and files: %s", dev, std::strerror(-r));
				io_uring_queue_exit(ring_);
			}
		}
		if (r == 0) {
			LOG_I("%s: reading through io_uring (registered buffer and file, %u records per read)", dev, cfg_.batch);
			return 0;
		}
		delete ring_;
		ring_ = nullptr;
		const std::string why = UringRefusal(r, step);
		if (cfg_.io_fallback == IoFallback::kNone) {
			LOG_E("%s: %s; no fallback configured (io_fallback = \"none\"): exiting", dev, why.c_str());
			return kExitUnavailable;
		}
		io_ = cfg_.io_fallback == IoFallback::kPoll ? IoMethod::kPoll : IoMethod::kRead;
		LOG_W("%s: %s; falling back to %s as configured", dev, why.c_str(), Name(io_));
		return 0;
	}
	LOG_I("%s: reading with %s, %u records per read", dev, io_ == IoMethod::kPoll ? "poll() and read()" : "blocking read()",
	      cfg_.batch);
	return 0;
}

// ---- the thread ------------------------------------------------------------------------------------------

void Acquisition::Run() {
	pthread_ = pthread_self();
	char name[16];
	std::snprintf(name, sizeof(name), "mxrtd-acq%u", dev_->index());
	pthread_setname_np(pthread_self(), name);
	// Signals: the daemon's main thread handles INT/TERM/HUP; this one SIGXCPU and SIGUSR1.
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGXCPU);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, nullptr);

	int status = SetupIo();
	if (status == 0)
		status = Schedule(cfg_, true);
	{
		std::lock_guard<std::mutex> g(mu_);
		start_done_ = true;
		running_ = status == 0;
		start_status_ = status;
	}
	cv_.notify_all();
	if (status != 0)
		return;
	ShmWriter w(seg_->shm());
	w.Add(&mxrtd_shm_stats::acq_wakeups, 0);
	switch (io_) {
	case IoMethod::kUring:
		LoopUring();
		// The device first, synchronously and from this thread (a SINGLE_ISSUER ring takes
		// registrations from its submitter only): a registered file is otherwise released, and
		// its flock with it, by the ring's asynchronous teardown after the process has gone.
		io_uring_unregister_files(ring_);
		io_uring_unregister_buffers(ring_);
		break;
	case IoMethod::kPoll: LoopPoll(); break;
	case IoMethod::kRead: LoopRead(); break;
	}
	std::lock_guard<std::mutex> g(mu_);
	running_ = false;
	cv_.notify_all();
}

void Acquisition::LoopUring() {
	const unsigned bytes = cfg_.batch * sizeof(Record);
	std::uint64_t stop_val = 0;
	auto queue_read = [&] {
		io_uring_sqe *sqe = io_uring_get_sqe(ring_);
		io_uring_prep_read_fixed(sqe, 0 /* registered file 0: the device */, buf_, bytes, std::uint64_t(-1), 0);
		sqe->flags |= IOSQE_FIXED_FILE;
		io_uring_sqe_set_data64(sqe, kTagDevice);
	};
	io_uring_sqe *sqe = io_uring_get_sqe(ring_);
	io_uring_prep_read(sqe, 1 /* the stop eventfd */, &stop_val, sizeof(stop_val), 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, kTagStop);
	bool device_pending = true, stop_pending = true; // queued or in flight
	queue_read();
	while (!stop_.load(std::memory_order_acquire)) {
		// submits the pending read (if any) and sleeps until at least one completion
		const int r = io_uring_submit_and_wait(ring_, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			LOG_E("%s: io_uring_enter: %s", dev_->path().c_str(), std::strerror(-r));
			failed_.store(true, std::memory_order_release);
			CancelPending(device_pending, stop_pending);
			return;
		}
		const std::uint64_t now = NowNs();
		ShmWriter(seg_->shm()).Add(&mxrtd_shm_stats::acq_wakeups, 1);
		unsigned head, seen = 0;
		io_uring_cqe *cqe;
		bool requeue = false;
		io_uring_for_each_cqe(ring_, head, cqe) { // reaped from the shared ring, no syscall
			seen++;
			if (io_uring_cqe_get_data64(cqe) == kTagStop) {
				stop_pending = false;
				continue; // stop_ is set: the loop ends
			}
			device_pending = false;
			HandleRead(cqe->res, now);
			requeue = true;
		}
		io_uring_cq_advance(ring_, seen);
		if (failed_.load(std::memory_order_relaxed)) {
			CancelPending(device_pending, stop_pending);
			return;
		}
		ApplyReschedule();
		if (requeue) {
			queue_read();
			device_pending = true;
		}
	}
	CancelPending(device_pending, stop_pending);
}

// Ends the reads still queued or in flight (the device's, the stop eventfd's) before the files are
// unregistered: a read the driver could not take at once may wait in an io-wq worker (always on
// kernels whose io_uring does not retry it on the driver's wake-up), and 6.1's io_uring waits for
// every request on a registered file when the files are unregistered, which would hang the
// daemon's stop until a sample came. The cancel interrupts the worker's wait; the completions
// (-ECANCELED, -EINTR, or data read meanwhile, dropped: the daemon is stopping) are waited for at
// most 1 s each.
void Acquisition::CancelPending(bool device, bool stop) {
	if (!device && !stop)
		return;
	io_uring_sqe *sqe = io_uring_get_sqe(ring_);
	if (sqe == nullptr) {
		io_uring_submit(ring_);
		sqe = io_uring_get_sqe(ring_);
	}
	if (sqe == nullptr)
		return;
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY); // every request of this ring
	io_uring_sqe_set_data64(sqe, kTagCancel);
	io_uring_submit(ring_);
	while (device || stop) {
		__kernel_timespec ts{1, 0};
		io_uring_cqe *cqe;
		if (io_uring_wait_cqe_timeout(ring_, &cqe, &ts) != 0) {
			LOG_W("%s: a pending read did not end within 1 s of its cancellation", dev_->path().c_str());
			return;
		}
		const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
		const int res = cqe->res;
		io_uring_cqe_seen(ring_, cqe);
		if (tag == kTagDevice)
			device = false;
		else if (tag == kTagStop)
			stop = false;
		else if (tag == kTagCancel && res == -EINVAL) { // before 5.19 (no CANCEL_ANY): one by one
			for (std::uint64_t t : {kTagDevice, kTagStop}) {
				if (!(t == kTagDevice ? device : stop) || (sqe = io_uring_get_sqe(ring_)) == nullptr)
					continue;
				io_uring_prep_cancel64(sqe, t, 0);
				io_uring_sqe_set_data64(sqe, kTagCancel + 1);
			}
			io_uring_submit(ring_);
		}
	}
}

void Acquisition::LoopPoll() {
	const int fl = fcntl(dev_->fd(), F_GETFL);
	fcntl(dev_->fd(), F_SETFL, fl | O_NONBLOCK);
	pollfd pfd[2] = {{dev_->fd(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
	while (!stop_.load(std::memory_order_acquire)) {
		const int r = poll(pfd, 2, -1);
		if (r < 0 && errno != EINTR) {
			LOG_E("%s: poll: %s", dev_->path().c_str(), std::strerror(errno));
			failed_.store(true, std::memory_order_release);
			break;
		}
		ShmWriter(seg_->shm()).Add(&mxrtd_shm_stats::acq_wakeups, 1);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ReadBatch();
			if (failed_.load(std::memory_order_relaxed))
				break;
		}
		ApplyReschedule();
	}
	fcntl(dev_->fd(), F_SETFL, fl);
}

// One read() of up to a batch (poll and read loops): records handled, an error other than EAGAIN or
// EINTR reported.
void Acquisition::ReadBatch() {
	const ssize_t n = read(dev_->fd(), buf_, cfg_.batch * sizeof(Record));
	const std::uint64_t now = NowNs();
	if (n >= 0)
		HandleRead(n, now);
	else if (errno != EAGAIN && errno != EINTR)
		HandleError(-errno);
}

// What one read returned (bytes, or -errno from io_uring). The driver returns whole records and
// never 0 (it blocks, or says EAGAIN or ENODEV): end of file or a torn record means the file is
// not a MAX30102 (say, /dev/null named by mistake), which would otherwise spin this thread on
// empty reads or publish garbage.
void Acquisition::HandleRead(long res, std::uint64_t now) {
	if (res < 0) {
		HandleError(int(res));
	} else if (res == 0 || std::size_t(res) % sizeof(Record) != 0) {
		ShmWriter(seg_->shm()).Add(&mxrtd_shm_stats::acq_read_errors, 1);
		LOG_E("%s: a read returned %s, which /dev/max30102-N never does: not a MAX30102 record device? stopping",
		      dev_->path().c_str(),
		      res == 0 ? "end of file" : (std::to_string(res) + " bytes, not whole " + std::to_string(sizeof(Record)) +
						  "-byte records").c_str());
		failed_.store(true, std::memory_order_release);
	} else {
		Handle(buf_, std::uint32_t(std::size_t(res) / sizeof(Record)), now);
	}
}

void Acquisition::LoopRead() {
	while (!stop_.load(std::memory_order_acquire)) {
		ReadBatch();
		ShmWriter(seg_->shm()).Add(&mxrtd_shm_stats::acq_wakeups, 1);
		if (failed_.load(std::memory_order_relaxed))
			break;
		ApplyReschedule();
	}
}

void Acquisition::HandleError(int err) {
	ShmWriter(seg_->shm()).Add(&mxrtd_shm_stats::acq_read_errors, 1);
	if (err == -ENODEV) {
		LOG_E("%s: the device went away (ENODEV): stopping", dev_->path().c_str());
		failed_.store(true, std::memory_order_release);
		return;
	}
	LOG_W("%s: read: %s", dev_->path().c_str(), std::strerror(-err));
}

void Acquisition::Handle(const Record *rec, std::uint32_t n, std::uint64_t now) {
	mxrtd_shm *shm = seg_->shm();
	ShmWriter w(shm);
	std::uint64_t lost = 0, ovr_lost = 0, ovf = 0, ovr = 0, restarts = 0, violations = 0;
	bool ovr_sensor = false;
	const mxrt::Log2Hist lat = w.AcqLatency();
	// The first reads return what the driver queued since the device was opened: not a
	// wake-up's latency. Measured from the read after one that found less than it asked for,
	// or whose newest record was taken after the first read returned (all that was queued
	// before is then behind it). With only the first rule, a batch every read fills (batch 1,
	// or one burst exactly) never measured, and the consumers, which wait for this, neither.
	if (!first_read_ns_)
		first_read_ns_ = now;
	const bool measure = caught_up_;
	caught_up_ = caught_up_ || n < cfg_.batch || (n > 0 && rec[n - 1].timestamp_ns > first_read_ns_);
	for (std::uint32_t i = 0; i < n; i++) {
		const Record &r = rec[i];
		// seq counts samples since the device was bound: it never stands still or goes back. A
		// file that reads as whole records of anything (/dev/zero) is no MAX30102: stop, as for
		// end of file, rather than publish it and log a violation per record, without end.
		if (have_last_ && r.seq <= last_seq_) {
			w.Add(&mxrtd_shm_stats::acq_read_errors, 1);
			LOG_E("%s: record seq %llu after %llu: a MAX30102's seq only grows; not a MAX30102 record device? stopping",
			      dev_->path().c_str(), (unsigned long long)r.seq, (unsigned long long)last_seq_);
			failed_.store(true, std::memory_order_release);
			return;
		}
		if (have_last_ && r.seq != last_seq_ + 1 + r.lost) {
			violations++;
			LOG_E("%s: sequence violation: seq %llu after %llu with lost %u", dev_->path().c_str(),
			      (unsigned long long)r.seq, (unsigned long long)last_seq_, r.lost);
		}
		have_last_ = true;
		last_seq_ = r.seq;
		lost += r.lost;
		ovf += (r.flags & MXRT_MAX30102_REC_FIFO_OVERFLOW) != 0;
		if (r.flags & MXRT_MAX30102_REC_READER_OVERRUN) {
			ovr++;
			ovr_lost += r.lost; // the gap the daemon's lag left: with FIFO_OVERFLOW, the sensor's losses too
			ovr_sensor = ovr_sensor || (r.flags & MXRT_MAX30102_REC_FIFO_OVERFLOW);
		}
		restarts += (r.flags & MXRT_MAX30102_REC_RESTART) != 0;
		if (measure && (r.flags & MXRT_MAX30102_REC_IRQ) && now > r.timestamp_ns)
			lat.AddSingleWriter(now - r.timestamp_ns);
	}
	w.PublishRecords(rec, n);
	w.Add(&mxrtd_shm_stats::acq_records, n);
	w.Add(&mxrtd_shm_stats::acq_batches, 1);
	if (lost)
		w.Add(&mxrtd_shm_stats::acq_lost, lost);
	if (ovf)
		w.Add(&mxrtd_shm_stats::acq_fifo_overflows, ovf);
	if (ovr) {
		w.Add(&mxrtd_shm_stats::acq_overruns, ovr);
		LOG_W("%s: the daemon fell behind the driver's ring: %llu records lost%s", dev_->path().c_str(),
		      (unsigned long long)ovr_lost,
		      ovr_sensor ? ", with the sensor's own FIFO overflow among them (GET_STATS file_lost has the daemon's share)" : "");
	}
	if (restarts) {
		w.Add(&mxrtd_shm_stats::acq_restarts, restarts);
		restarts_.fetch_add(restarts, std::memory_order_relaxed); // the main thread republishes the configuration
	}
	if (violations)
		w.Add(&mxrtd_shm_stats::acq_violations, violations);
	w.Set(&mxrtd_shm_stats::acq_last_seq, rec[n - 1].seq);
	w.Set(&mxrtd_shm_stats::acq_last_ts_ns, rec[n - 1].timestamp_ns);
	const std::uint64_t xcpu = g_dl_overruns.load(std::memory_order_relaxed);
	if (xcpu != dl_overruns_seen_) {
		dl_overruns_seen_ = xcpu;
		w.Set(&mxrtd_shm_stats::dl_overruns, xcpu);
	}
	Bump(&shm->events.samples.value); // the consumers waiting for samples
	Bump(&shm->events.any.value);
	CheckVitals();
}

void Acquisition::CheckVitals() {
	if (!dev_->HasVitals())
		return;
	mxrtd_shm_vitals v{};
	const int r = dev_->ReadVitals(&v);
	if (r != 0) {
		ShmWriter(seg_->shm()).Add(&mxrtd_shm_stats::vitals_errors, 1);
		if (r != vitals_error_)
			LOG_W("%s: reading the vitals: %s", dev_->path().c_str(), std::strerror(-r));
		vitals_error_ = r;
		return;
	}
	vitals_error_ = 0;
	// An update: anything the driver changed (a new evaluation carries a new sample seq).
	if (vitals_published_ && v.sample_seq == last_vitals_.sample_seq && v.flags == last_vitals_.flags &&
	    v.hr_mbpm == last_vitals_.hr_mbpm && v.spo2_mpct == last_vitals_.spo2_mpct &&
	    v.confidence == last_vitals_.confidence)
		return;
	if (!vitals_published_ && (v.flags & kVitalsNone)) {
		last_vitals_ = v; // nothing measured yet: nothing to announce
		vitals_published_ = true;
		return;
	}
	last_vitals_ = v;
	vitals_published_ = true;
	v.published_ns = NowNs();
	ShmWriter(seg_->shm()).PublishVitals(v);
	Bump(&seg_->shm()->events.vitals.value);
	Bump(&seg_->shm()->events.any.value);
}

} // namespace mxrtd
