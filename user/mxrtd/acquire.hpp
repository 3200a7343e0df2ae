// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd).
//
// The acquisition thread of one device: it schedules itself (SCHED_DEADLINE by default), then
// reads records from /dev/max30102-N and publishes them to the device's segment, checks every
// record against the driver's promise (b.seq == a.seq + 1 + b.lost), keeps the statistics, and
// after each batch looks at the driver's latest vitals (a lock-free ioctl), publishing them when
// they changed. Reading, in the order of preference:
//   io_uring  one IORING_OP_READ_FIXED of up to `batch` records in flight into a registered
//             buffer, the device a registered file; the thread sleeps in io_uring_enter until a
//             completion (or the stop eventfd's read) arrives and reaps every completion from the
//             ring without a further syscall. With a driver that supports the non-blocking path
//             (FMODE_NOWAIT, docs/daemon.md) a read that finds nothing arms a poll and is retried
//             in this thread when the driver wakes it: no io-wq worker is involved.
//   poll      poll() on the device and the stop eventfd, then a non-blocking read().
//   read      a blocking read(); stopping interrupts it with a signal.
// Whatever it cannot get (a policy, io_uring) it reports in one line and falls back as
// configured, or fails the start (Start returns the exit status).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <pthread.h>
#include <cstdint>
#include <string>
#include <thread>

#include "config.hpp"
#include "device.hpp"
#include "shm.hpp"

struct io_uring;

namespace mxrtd {

// SIGXCPU (SCHED_FLAG_DL_OVERRUN) count, process-wide.
extern std::atomic<std::uint64_t> g_dl_overruns;
void InstallAcquisitionSignals(); // SIGXCPU counter, SIGUSR1 to interrupt a blocking read

class Acquisition {
public:
	Acquisition(Device *dev, Segment *seg, const Config &cfg) : dev_(dev), seg_(seg), cfg_(cfg) {}
	Acquisition(const Acquisition &) = delete;
	Acquisition &operator=(const Acquisition &) = delete;
	~Acquisition() { Stop(); }

	// Starts the thread and waits until it is scheduled and reading: 0, or the exit status the
	// daemon should exit with (3: something configured is unavailable and no fallback allowed;
	// 1: another error), the reason already logged.
	int Start();
	// Asks the thread to stop and joins it.
	void Stop();
	// A new scheduling configuration (SIGHUP): applied by the thread itself before its next read.
	void Reschedule(const Config &cfg);
	bool running() const { return thread_.joinable(); }
	// Whether the thread ended on its own (the device went away): then the daemon stops.
	bool Failed() const { return failed_.load(std::memory_order_acquire); }

	std::uint32_t policy() const { return policy_.load(std::memory_order_relaxed); }
	IoMethod io() const { return io_; }
	// The configuration the thread runs under: its scheduling is the start's or the last reload's
	// the thread applied (a refused one leaves the one before), for the segment and to judge the
	// next reload. SchedGen() moves each time the thread has tried a reload's.
	Config Running() const;
	// What the thread will run under: a reload's scheduling it has not tried yet, or Running().
	Config Wanted() const;
	std::uint64_t SchedGen() const { return sched_gen_.load(std::memory_order_acquire); }
	// RESTART records read so far: the device was (re)configured, by anyone (a sysfs write too).
	std::uint64_t Restarts() const { return restarts_.load(std::memory_order_relaxed); }

private:
	void Run();
	int Schedule(const Config &cfg, bool at_start); // 0 or exit status
	int SetupIo();                                  // 0 or exit status
	void CancelPending(bool device, bool stop);
	void LoopUring();
	void LoopPoll();
	void LoopRead();
	// A batch of records just read: check, count, publish, wake consumers, look at vitals.
	void Handle(const Record *rec, std::uint32_t n, std::uint64_t now_ns);
	void HandleError(int err);
	void HandleRead(long res, std::uint64_t now_ns); // bytes read, or -errno
	void ReadBatch();       // poll and read loops: one read() of up to a batch
	void ApplyReschedule(); // a pending Reschedule(), on the acquisition thread
	void CheckVitals();

	Device *dev_;
	Segment *seg_;
	Config cfg_;
	std::thread thread_;
	pthread_t pthread_{};
	int stop_fd_ = -1; // eventfd
	std::atomic<bool> stop_{false}, failed_{false}, resched_{false};
	Config resched_cfg_;
	mutable std::mutex resched_mu_; // resched_cfg_, and cfg_'s scheduling (written by the thread)
	std::atomic<std::uint64_t> sched_gen_{0};
	std::atomic<std::uint64_t> restarts_{0};

	// the start handshake
	std::mutex mu_;
	std::condition_variable cv_;
	// The start handshake is its own flag: a loop that fails at once (a device gone, a file that
	// is no MAX30102) ends running_ before Start() may have looked, which left Start() waiting for
	// ever when one flag did both.
	bool start_done_ = false;
	bool running_ = false;
	int start_status_ = 0;

	std::atomic<std::uint32_t> policy_{0}; // the thread's, read by the main thread
	IoMethod io_ = IoMethod::kUring;
	struct io_uring *ring_ = nullptr;
	Record *buf_ = nullptr;

	// continuity and vitals (this thread only)
	bool have_last_ = false;
	bool caught_up_ = false; // the backlog is gone (Handle): latencies are measured
	std::uint64_t first_read_ns_ = 0; // when the first read returned
	std::uint64_t last_seq_ = 0;
	mxrtd_shm_vitals last_vitals_{};
	bool vitals_published_ = false;
	int vitals_error_ = 0;
	std::uint64_t dl_overruns_seen_ = 0;
};

} // namespace mxrtd
