// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space: mxrtd (the writer), mxrt-top and any other consumer (readers).
//
// The daemon's shared-memory segment (include/uapi/mxrt/mxrtd.h is the ABI and says the
// protocol): creating it (replacing one a crashed daemon left), opening it read-only, and the
// writer's and readers' sides of its seqlock sections and sample ring. The copies and fences are
// the project's one seqlock protocol (kernel/lib/kstd/seqlock.hpp; this is its user-space build,
// so ThreadSanitizer checks exactly what runs), and the ring is the driver's ring protocol
// (kernel/max30102/ring.cpp) over the segment's words.
//
// Threads: one writer per section (the acquisition thread writes the ring, the vitals and its
// statistics; the main thread the temperature and the configuration; the consumer threads their
// own statistics). Readers: any number, any process, never blocking the writer.
//
//   Segment seg = Segment::Create("/mxrtd-max30102-0", 8192, 0644, &err);   // the daemon
//   ShmWriter w(seg.shm());
//   w.PublishRecords(recs, n);        // then Bump(&seg.shm()->events.samples.value)
//
//   Segment seg = Segment::Open("/mxrtd-max30102-0", &err);                // a consumer
//   RingCursor c = RingCursor::AtHead(seg.shm());
//   u32 n = ReadRing(seg.shm(), &c, buf, 64);   // c.overruns / c.lost say what it missed
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <mxrt/mxrtd.h>
#include <lib/hist/log2_hist.hpp>

namespace mxrtd {

using Record = mxrt_max30102_record;
using u64 = __u64; // unsigned long long everywhere, as the segment's fields
using u32 = __u32;

// A mapped segment. Move-only; unmaps (and, for the creator, unlinks) on Close/destruction.
class Segment {
public:
	Segment() = default;
	Segment(Segment &&o) noexcept { *this = static_cast<Segment &&>(o); }
	Segment &operator=(Segment &&o) noexcept;
	Segment(const Segment &) = delete;
	Segment &operator=(const Segment &) = delete;
	~Segment() { Close(); }

	// What Create found under the name before it made its own.
	enum class Found { kNothing, kStale, kForeign };
	// Creates the segment `name` ("/mxrtd-max30102-0") for a ring of `ring_records` (a power of
	// two), locked by this process (an OFD write lock, and flock), in state STARTING. A segment of
	// that name whose owner is alive (it holds the write lock) is refused with -EBUSY (*owner_pid says who, when the segment
	// says); one whose owner died is replaced (*found = kStale, *owner_pid = the dead pid). A file
	// of that name that belongs to another user is no daemon's (a daemon's segment belongs to the
	// daemon's user), whatever it says or whoever locks it: replaced too (*found = kForeign,
	// *owner_uid = its owner), so that no other user can keep the daemon from starting; so is
	// anything at the name that is not this user's regular file (a FIFO, a symlink, a socket, an
	// empty directory), removed by its name without being opened (a directory with files in
	// it: -ENOTEMPTY, *found = kForeign; this user's own directory: -EEXIST).
	// Other errors: -errno of shm_open/ftruncate/mmap (-EPERM: a foreign file this process may not
	// remove). mode: the segment's permissions.
	static Segment Create(const std::string &name, u32 ring_records, unsigned mode, int *err,
			      Found *found = nullptr, u32 *owner_pid = nullptr, u32 *owner_uid = nullptr);
	// Maps an existing segment read-only: -ENOENT (no daemon), -EPROTO (not a segment of this
	// ABI: magic, version or sizes), -EAGAIN (still starting), -EINVAL (not a regular file: a
	// FIFO, a directory, a symlink, a socket; its owner in *found_uid; judged with lstat before
	// any open), -EBUSY (its owner holds a lease on it), or -errno. -EPERM: a file of
	// another owner than @owner (-1: this process's effective user) or root, its owner in
	// *found_uid: anyone can make a file in /dev/shm, and a made-up one must not pass for a
	// daemon's (its device, vitals and pid are whatever its maker wrote).
	static Segment Open(const std::string &name, int *err, long long owner = -1, u32 *found_uid = nullptr);
	// Whether a daemon holds the segment's write lock now (a reader's liveness check).
	bool OwnerAlive() const;
	// Whether the file still holds every byte mapped: a read past a shrunken file's end is SIGBUS.
	// The daemon never shrinks its segment; the owner of a hand-made one can, at any time, so a
	// reader asks before each look (a shrink racing with the look itself is not caught).
	bool Intact() const;

	// The daemon: marks the segment stopped (wakes every waiter), unlinks the name, unmaps.
	void Shutdown();
	void Close();

	bool valid() const { return shm_ != nullptr; }
	mxrtd_shm *shm() const { return shm_; }
	// The ring's geometry as Create made it, or as Open checked it against the mapping. A reader
	// indexes by these, never by the segment's fields, which its owner may change at any time.
	u32 ring_records() const { return ring_records_; }
	u32 header_size() const { return header_size_; }
	Record *slots() const { return reinterpret_cast<Record *>(reinterpret_cast<char *>(shm_) + MXRTD_SHM_HEADER_SIZE); }
	const std::string &name() const { return name_; }
	std::size_t size() const { return size_; }

private:
	mxrtd_shm *shm_ = nullptr;
	std::size_t size_ = 0;
	u32 ring_records_ = 0, header_size_ = 0;
	int fd_ = -1;
	bool owner_ = false;
	std::string name_;
};

// The shm name for a device: "/<prefix>-<basename>" ("/mxrtd-max30102-0"); "" if the device path
// has no usable base name.
std::string ShmNameFor(const std::string &prefix, const std::string &device);

// A shm_prefix the daemon takes (mxrtd's config and mxrt-top's --prefix): 1..64 letters, digits,
// '_', '.' or '-' (no '/': a shm name has one, at its start).
bool ShmPrefixOk(const std::string &p);

// Checks that a segment the size of `size` bytes holds this ABI: 0 or -EPROTO (-EAGAIN while it
// is still being created). Each field is read once: *ring_records and *header_size (when given)
// are the values checked.
int CheckHeader(const mxrtd_shm *shm, std::size_t size, u32 *ring_records = nullptr, u32 *header_size = nullptr);

// ---- the writer --------------------------------------------------------------------------------

// Sets the identity fields and the empty ring; state stays STARTING until SetState(RUNNING).
void InitHeader(mxrtd_shm *shm, u32 ring_records, u32 pid, u32 device_index,
		const std::string &device);

class ShmWriter {
public:
	explicit ShmWriter(mxrtd_shm *shm)
		: shm_(shm), slots_(reinterpret_cast<Record *>(reinterpret_cast<char *>(shm) + MXRTD_SHM_HEADER_SIZE)) {}

	// A batch into the ring (claimed, copied, published). One thread. Does not wake anyone:
	// Bump(&events.samples) and Bump(&events.any) do.
	void PublishRecords(const Record *rec, u32 n);
	void PublishVitals(const mxrtd_shm_vitals &v);    // seq and updates are the writer's
	void PublishTemp(const mxrtd_shm_temp &t);        // seq and updates are the writer's
	void PublishConfig(const mxrtd_shm_config &c);    // seq is the writer's
	// Statistics: single-writer counters.
	void Add(u64 mxrtd_shm_stats::*field, u64 d);
	void Set(u64 mxrtd_shm_stats::*field, u64 v);
	mxrt::Log2Hist AcqLatency() const { return Hist(shm_->acq_latency); }
	mxrt::Log2Hist MonLatency() const { return Hist(shm_->mon_latency); }
	static mxrt::Log2Hist Hist(mxrtd_shm_latency &h) { return mxrt::Log2Hist(h.count, h.min, h.max, h.sum, h.bucket); }

private:
	mxrtd_shm *shm_;
	Record *slots_;
};

// ---- readers -----------------------------------------------------------------------------------

// A reader's position in the ring and what it missed.
struct RingCursor {
	u64 next = 0;      // index of the next record to read
	u64 overruns = 0;  // times the writer lapped this reader
	u64 lost = 0;      // records lost to that
	bool started = false;
	u64 last_seq = 0;
	// A cursor at the newest record: reads what is published from now on.
	static RingCursor AtHead(const mxrtd_shm *shm);
};

// Up to `max` records from the cursor on, every one intact. The first record of a batch that
// follows an overrun carries MXRT_MAX30102_REC_READER_OVERRUN and the gap in `lost` (as the
// driver reports its own readers' overruns), and the cursor counts it. 0 if nothing is new, or
// if `writing` stays ahead of every copy (a writer lapping the reader 1000 times in a row: no
// daemon's; a reader does not spin on it).
// A segment opened with Segment::Open (another process's): indexed by the geometry Open checked.
u32 ReadRing(const Segment &seg, RingCursor *c, Record *out, u32 max);
// A segment whose geometry fields are trusted (this process made it: the daemon, the tests).
u32 ReadRing(const mxrtd_shm *shm, RingCursor *c, Record *out, u32 max);
// Records published and not read yet (0..ring_records, more if the reader is lapped).
u64 RingPending(const mxrtd_shm *shm, const RingCursor &c);

bool ReadVitals(const mxrtd_shm *shm, mxrtd_shm_vitals *out); // false: a writer kept it busy ~20 ms
bool ReadTemp(const mxrtd_shm *shm, mxrtd_shm_temp *out);
bool ReadConfig(const mxrtd_shm *shm, mxrtd_shm_config *out);
mxrtd_shm_stats ReadStats(const mxrtd_shm *shm);
mxrt::Log2Snapshot ReadLatency(const mxrtd_shm_latency &h);

} // namespace mxrtd
