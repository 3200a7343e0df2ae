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

// The daemon's FIFO: the directory it is in and the FIFO itself, each held by a descriptor from the
// start (O_PATH) and never looked up by path again. Whoever can write the directory, or one above
// it, can put something else at the path while the daemon runs; a symlink there once had the
// daemon, as root, write its lines into any file.
struct FifoId {
	int dir = -1;     // fifo_dir (reached without a magic link such as /proc/PID/root)
	std::string name; // <device>.fifo in it
	int pin = -1;     // the FIFO; its inode number cannot be given to another file while held
	dev_t dev = 0;
	ino_t ino = 0;
	std::string dir_path; // fifo_dir as configured, and which directory it was: readers look it up
	dev_t dir_dev = 0;
	ino_t dir_ino = 0;
};

// The fifo_dir the daemon made at the start (MakeFifo): its parent held, its name there, and which
// directory it is, so that the daemon removes that one at exit and nothing else.
struct MadeDir {
	int parent = -1;
	std::string base, path;
	dev_t dev = 0;
	ino_t ino = 0;
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
	int fifo_at_path = 0;     // FifoAtPath as last said: 0 (the daemon's FIFO), -ENOENT, -ESTALE
	int fifo_open_error = 0;  // OpenOwnFifo's last error said (other than ENXIO)
};

// The message queue "/<prefix>-<device>": a stale one (a crashed daemon's) is replaced. -errno:
// -EINVAL or -EMFILE are a depth the kernel refuses to this daemon (fs.mqueue.msg_max without
// CAP_SYS_RESOURCE, the user's RLIMIT_MSGQUEUE), and *why says which.
// A note when @maxmsg is above this system's fs.mqueue.msg_max (--check-config), or empty.
std::string MessageQueueDepthNote(std::uint32_t maxmsg);
int OpenMessageQueue(const std::string &name, std::uint32_t maxmsg, unsigned mode, mqd_t *out, std::string *why);
// The FIFO <dir>/<device>.fifo, readable as @mode (shm_mode) says, and writable by the daemon's
// user. -errno. A missing directory is made (one level, as mkdir(1) without -p), and *made_dir
// then set (RemoveMadeDir), so that the daemon removes it at exit, empty: a mistyped fifo_dir was
// left behind.
// The directory is opened without following a magic link (/proc/PID/root...: another user's
// mount namespace), and everything after is done relative to it. An existing FIFO of the daemon's
// user with no other name (a crashed daemon's) is reused, its mode set. Any other FIFO is replaced
// (*replaced_uid says whose): its owner could write lines into it that readers would take for
// the daemon's; -EPERM etc. when it cannot be removed. *path and *id are set only on success
// (*id holds descriptors: CloseFifo): anything else at that path (a file, a symlink) is not the
// daemon's, is refused (-EEXIST), and is not removed at exit.
int MakeFifo(const std::string &dir, const std::string &device_name, unsigned mode, std::string *path,
	     FifoId *id, std::string *why, long *replaced_uid = nullptr, MadeDir *made_dir = nullptr);
// At exit: removes the directory MakeFifo made if it is still the one at its name in its parent
// and empty. 0, or -errno (-ENOTEMPTY: something else was put there, and it stays).
int RemoveMadeDir(MadeDir *d);

// Opens the daemon's FIFO for writing (non-blocking) through its held descriptor: the path is not
// looked at. A file descriptor, or -ENXIO (no reader has it open), or another -errno.
int OpenOwnFifo(const FifoId &id);
// What is at the FIFO's path now: 0 the daemon's FIFO, -ENOENT nothing (removed), -ESTALE
// something else (never opened by the daemon). Readers open the path, so this is whether they
// can reach the daemon's lines.
int FifoAtPath(const FifoId &id);
// At exit: removes the FIFO if it is still at its path (whatever else is there is someone else's),
// and closes the descriptors.
void CloseFifo(FifoId *id);

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
