// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd).
//
// The daemon's consumer threads. Each sleeps on several events of every device's segment at once
// (futex_waitv on the segment's futex words: FUTEX_WAIT on the `any` word as the fallback of a
// kernel without futex_waitv), and never blocks the acquisition thread:
//   monitor    new samples + shutdown: reads the sample ring as any consumer does and measures
//              its own wake-up latency (the sample's interrupt timestamp to its wake-up), the
//              daemon's "consumer wake-up latency" (mon_latency); counts overruns if it falls
//              behind.
//   publisher  new vitals + temperature + shutdown: one message per vitals update to the POSIX
//              message queue and one line to the FIFO. Neither blocks: a full queue or FIFO drops
//              the update and counts it (mq_dropped, fifo_dropped, fifo_no_reader).
#pragma once

#include <cstdint>
#include <mqueue.h>
#include <sys/types.h>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "shm.hpp"

namespace mxrtd {

// Which file the daemon's FIFO is (st_dev, st_ino): the path alone is not enough, since whoever can
// write the FIFO's directory can put something else there while the daemon runs.
struct FifoId {
	dev_t dev = 0;
	ino_t ino = 0;
	// an O_PATH file of the FIFO, held while the daemon runs (closed at exit): a removed FIFO's
	// inode number could otherwise be given to a file someone puts at the path
	int pin = -1;
};

// One device's outputs, as the consumers see them.
struct Outputs {
	std::string device_name; // max30102-0
	std::uint32_t device_index = 0;
	Segment *seg = nullptr;
	mqd_t mq = mqd_t(-1);
	std::string fifo_path;
	FifoId fifo_id;   // the FIFO MakeFifo made or took: the only file written to
	int fifo_fd = -1; // open while a reader has the FIFO open
	bool mq_full_reported = false;
	int fifo_gone_reported = 0; // the -errno of OpenOwnFifo last logged (0: none since it was ours)
};

// The message queue "/<prefix>-<device>": a stale one (a crashed daemon's) is replaced. -errno.
int OpenMessageQueue(const std::string &name, std::uint32_t maxmsg, unsigned mode, mqd_t *out, std::string *why);
// The FIFO <dir>/<device>.fifo, readable as @mode (shm_mode) says, and writable by the daemon's
// user. -errno. A missing directory is made (one level, as mkdir(1) without -p), and *made_dir
// then set, so that the daemon removes it at exit, empty: a mistyped fifo_dir was left behind.
// An existing FIFO of the daemon's user (a crashed daemon's) is reused, its mode set. One of another user's is
// replaced (*replaced_uid says whose): its owner could write lines into it that readers would
// take for the daemon's; -EPERM etc. when it cannot be removed. *path is set only on success:
// anything else at that path (a file, a symlink) is not the daemon's, is refused (-EEXIST), and
// is not removed at exit.
// *id: which file it is (for OpenOwnFifo and the removal at exit).
int MakeFifo(const std::string &dir, const std::string &device_name, unsigned mode, std::string *path,
	     FifoId *id, std::string *why, long *replaced_uid = nullptr, bool *made_dir = nullptr);

// Opens the FIFO at @path for writing (non-blocking) if it is still the file @id names: a file
// descriptor, or -ENXIO (no reader has it open), -ENOENT (removed) or -ESTALE (something else is
// at the path now: a symlink, which is never followed, a file, another FIFO; never written to).
int OpenOwnFifo(const std::string &path, const FifoId &id);
// Whether the file at @path is still the FIFO @id names (the daemon removes only its own at exit).
bool IsOwnFifo(const std::string &path, const FifoId &id);

class Consumers {
public:
	Consumers() = default;
	Consumers(const Consumers &) = delete;
	Consumers &operator=(const Consumers &) = delete;
	~Consumers() { Join(); }

	// Starts both threads over these outputs (which must outlive them). 0 or the exit status
	// (3: the configured wait method or priority is unavailable and no fallback allowed).
	int Start(std::vector<Outputs *> outs, const Config &cfg);
	// After every segment's state went to STOPPED (which wakes them).
	void Join();
	WaitMethod method() const { return method_; }

private:
	void Monitor();
	void Publisher();
	void Setup(const char *name);
	// Waits on `words` (or the `any` words in fallback mode) with the values `seen`.
	void Wait(const std::vector<const std::uint32_t *> &words, const std::vector<std::uint32_t> &seen,
		  const std::vector<const std::uint32_t *> &any, const std::vector<std::uint32_t> &any_seen);
	// superseded: updates since the last one published that a newer one replaced (counted as dropped)
	void Publish(Outputs *o, const mxrtd_shm_vitals &v, std::uint64_t superseded);

	std::vector<Outputs *> outs_;
	Config cfg_;
	WaitMethod method_ = WaitMethod::kFutexWaitv;
	bool rt_ = false;
	std::thread monitor_, publisher_;
};

} // namespace mxrtd
