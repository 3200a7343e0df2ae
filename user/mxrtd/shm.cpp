// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. See shm.hpp and include/uapi/mxrt/mxrtd.h.
#include "shm.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lib/kstd/atomic.hpp>
#include <lib/kstd/seqlock.hpp>

#include "futex.hpp"

namespace mxrtd {

using kstd::AtomicRef;
using kstd::MemoryOrder;

static_assert(sizeof(mxrtd_shm) == MXRTD_SHM_HEADER_SIZE);
static_assert(offsetof(mxrtd_shm, events) == MXRTD_OFF_EVENTS);
static_assert(offsetof(mxrtd_shm, ring) == MXRTD_OFF_RING);
static_assert(offsetof(mxrtd_shm, vitals) == MXRTD_OFF_VITALS);
static_assert(offsetof(mxrtd_shm, temp) == MXRTD_OFF_TEMP);
static_assert(offsetof(mxrtd_shm, config) == MXRTD_OFF_CONFIG);
static_assert(offsetof(mxrtd_shm, stats) == MXRTD_OFF_STATS);
static_assert(offsetof(mxrtd_shm, acq_latency) == MXRTD_OFF_ACQ_LATENCY);
static_assert(offsetof(mxrtd_shm, mon_latency) == MXRTD_OFF_MON_LATENCY);
static_assert(sizeof(mxrtd_vitals_msg) == MXRTD_MSG_SIZE);
static_assert(sizeof(Record) == MXRT_MAX30102_RECORD_SIZE);
static_assert(MXRTD_LAT_BUCKETS == mxrt::kLog2Buckets, "the segment's histogram is the project's log2 histogram");
// Seqlock payloads are copied in 8-byte words after `seq`.
static_assert(sizeof(mxrtd_shm_vitals) % 8 == 0 && offsetof(mxrtd_shm_vitals, seq) == 0);
static_assert(sizeof(mxrtd_shm_temp) % 8 == 0 && offsetof(mxrtd_shm_temp, seq) == 0);
static_assert(sizeof(mxrtd_shm_config) % 8 == 0 && offsetof(mxrtd_shm_config, seq) == 0);

// ---- the segment -------------------------------------------------------------------------------

Segment &Segment::operator=(Segment &&o) noexcept {
	if (this != &o) {
		Close();
		shm_ = o.shm_;
		size_ = o.size_;
		ring_records_ = o.ring_records_;
		header_size_ = o.header_size_;
		fd_ = o.fd_;
		owner_ = o.owner_;
		name_ = static_cast<std::string &&>(o.name_);
		o.shm_ = nullptr;
		o.fd_ = -1;
		o.owner_ = false;
	}
	return *this;
}

bool ShmPrefixOk(const std::string &p) {
	return !p.empty() && p.size() <= 64 &&
	       p.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == std::string::npos;
}

std::string ShmNameFor(const std::string &prefix, const std::string &device) {
	const std::size_t slash = device.find_last_of('/');
	const std::string base = slash == std::string::npos ? device : device.substr(slash + 1);
	if (base.empty() || base == "." || base == "..")
		return "";
	return "/" + prefix + "-" + base;
}

static u32 PidOf(int fd) {
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < off_t(MXRTD_SHM_HEADER_SIZE))
		return 0;
	void *p = mmap(nullptr, MXRTD_SHM_HEADER_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	const auto *shm = static_cast<const mxrtd_shm *>(p);
	const u32 pid = AtomicRef<const u64>(shm->magic).Load(MemoryOrder::kAcquire) == MXRTD_SHM_MAGIC
					  ? shm->pid : 0;
	munmap(p, MXRTD_SHM_HEADER_SIZE);
	return pid;
}

// The daemon's liveness lock: an open-file-description write lock on the whole segment
// (fcntl F_OFD_SETLK, F_WRLCK). Only an open file with write access can take one, and the segment
// is the daemon user's with no write bit for others (shm_mode). Until 2026-12-07 it was
// flock(LOCK_EX), which any user's read-only open file can take too: holding it on a crashed
// daemon's segment kept the next daemon from starting (exit 4, which systemd does not retry).
// The daemon still takes flock(LOCK_EX) as well, for readers that test liveness with flock.
static int WriteLock(int fd) {
	struct flock l{};
	l.l_type = F_WRLCK;
	l.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &l) == 0 ? 0 : -errno;
}

// Whether another open file holds the write lock: a daemon is running on the segment. A reader's
// read-only file can ask (F_RDLCK conflicts only with a write lock).
static bool WriteLocked(int fd) {
	struct flock l{};
	l.l_type = F_RDLCK;
	l.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
}

// What is at /dev/shm<name> when it cannot be made: 1 if it is this user's regular file (a
// segment, maybe a daemon's; nobody else can replace it in the sticky /dev/shm), else it is no
// daemon's segment and is removed by its name, never opened (*found = kForeign, its owner in
// *owner_uid): 0 once removed (or gone meanwhile), -errno if it cannot be (-ENOTEMPTY: a
// directory with files in it; -EPERM: another user's, for a daemon not run as root). An open
// could wait out another user's lease (45 s, or fail at once with O_NONBLOCK), fail on a symlink
// (glibc's O_NOFOLLOW) or a socket: any user could keep the daemon from starting.
static int RemoveUnlessOwnFile(const std::string &name, Segment::Found *found, u32 *owner_uid) {
	const std::string path = "/dev/shm" + name;
	struct stat st;
	if (lstat(path.c_str(), &st) != 0)
		return errno == ENOENT ? 0 : -errno; // gone meanwhile: try again
	if (S_ISREG(st.st_mode) && st.st_uid == geteuid())
		return 1;
	if (S_ISDIR(st.st_mode) && st.st_uid == geteuid())
		return -EEXIST; // this user's own directory: not removed (nobody else can have made it)
	if (found)
		*found = Segment::Found::kForeign;
	if (owner_uid)
		*owner_uid = u32(st.st_uid);
	// unlink and rmdir act on the name itself, never on what a symlink there leads to
	if ((S_ISDIR(st.st_mode) ? rmdir(path.c_str()) : unlink(path.c_str())) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

Segment Segment::Create(const std::string &name, u32 ring_records, unsigned mode, int *err, Found *found,
			u32 *owner_pid, u32 *owner_uid) {
	Segment s;
	if (found)
		*found = Found::kNothing;
	if (ring_records < 16 || (ring_records & (ring_records - 1)) != 0) {
		*err = -EINVAL;
		return s;
	}
	const std::size_t size = MXRTD_SHM_HEADER_SIZE + std::size_t(ring_records) * sizeof(Record);
	for (int attempt = 0; attempt < 5; attempt++) {
		int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd < 0 && errno == EEXIST) {
			// Someone's: alive if it holds the lock, else left by a daemon that died.
			const int own = RemoveUnlessOwnFile(name, found, owner_uid);
			if (own == 0)
				continue;
			if (own < 0) {
				*err = own;
				return s;
			}
			fd = shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0);
			if (fd < 0) {
				if (errno == ENOENT)
					continue; // unlinked meanwhile
				*err = -errno;
				return s;
			}
			// Another user's file (/dev/shm is world-writable): nothing it says or locks is a
			// daemon's. Trusting it let any user keep the daemon from starting, with a lock on a
			// file of this name and a made-up pid in it.
			struct stat st;
			if (fstat(fd, &st) == 0 && (st.st_uid != geteuid() || !S_ISREG(st.st_mode))) {
				if (found)
					*found = Found::kForeign;
				if (owner_uid)
					*owner_uid = u32(st.st_uid);
				close(fd);
				if (shm_unlink(name.c_str()) != 0 && errno != ENOENT) {
					*err = -errno;
					return s;
				}
				continue;
			}
			const u32 pid = PidOf(fd);
			if (owner_pid)
				*owner_pid = pid;
			// A running daemon holds the write lock (WriteLock). Readers' flocks, LOCK_SH or
			// LOCK_EX, held for as long as they like, say nothing: each kept a crashed daemon
			// from starting again (exit 4). The lock, not the pid the segment names: a daemon
			// in another pid namespace (a container sharing /dev/shm) names a pid that means
			// nothing here, and was taken for gone.
			if (WriteLocked(fd)) {
				close(fd);
				*err = -EBUSY;
				return s;
			}
			if (found)
				*found = Found::kStale;
			shm_unlink(name.c_str()); // ours now: replace it (readers of the old one see it unlocked)
			close(fd);
			continue;
		}
		if (fd < 0) {
			*err = -errno;
			return s;
		}
		// the lock first: a segment without it is a dead daemon's to the next one. flock as well,
		// for readers of the older rule; it can only fail if another file took it in the
		// instant since the create (a reader: harmless). fchmod: the umask must not narrow what
		// readers were promised.
		const int lr = WriteLock(fd);
		if (lr == 0)
			(void)flock(fd, LOCK_EX | LOCK_NB);
		if (lr != 0 || fchmod(fd, mode) != 0 || ftruncate(fd, off_t(size)) != 0) {
			*err = lr != 0 ? lr : -errno;
			shm_unlink(name.c_str());
			close(fd);
			return s;
		}
		void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			*err = -errno;
			shm_unlink(name.c_str());
			close(fd);
			return s;
		}
		s.shm_ = static_cast<mxrtd_shm *>(p);
		s.size_ = size;
		s.ring_records_ = ring_records;
		s.header_size_ = MXRTD_SHM_HEADER_SIZE;
		s.fd_ = fd;
		s.owner_ = true;
		s.name_ = name;
		*err = 0;
		return s;
	}
	*err = -EBUSY; // created and replaced under us, again and again
	return s;
}

int CheckHeader(const mxrtd_shm *shm, std::size_t size, u32 *ring_records, u32 *header_size) {
	if (size < MXRTD_SHM_HEADER_SIZE)
		return -EAGAIN; // being created (ftruncate not done yet)
	if (AtomicRef<const u64>(shm->magic).Load(MemoryOrder::kAcquire) != MXRTD_SHM_MAGIC) // pairs with InitHeader
		return -EAGAIN;
	// Each field once: the segment's owner may change it between two reads, and what the
	// caller indexes by must be what was checked.
	auto load32 = [](const u32 &f) { return AtomicRef<const u32>(f).Load(MemoryOrder::kRelaxed); };
	const u32 version = load32(shm->version), hsize = load32(shm->header_size), rsize = load32(shm->record_size);
	const u32 records = load32(shm->ring_records);
	const u64 total = AtomicRef<const u64>(shm->total_size).Load(MemoryOrder::kRelaxed);
	// The ring starts at header_size (a later daemon's header may be larger), on a record's alignment
	if (version != MXRTD_SHM_VERSION || hsize < MXRTD_SHM_HEADER_SIZE || hsize % 8 != 0 || rsize != sizeof(Record) ||
	    records < 16 || (records & (records - 1)) != 0 || total != hsize + u64(records) * rsize || total > size)
		return -EPROTO;
	// The ring's own copies must say what was checked above (0 slots would make the mask all
	// ones, more the index run past the mapping); ReadRing(Segment) indexes by the checked values.
	if (load32(shm->ring.records) != records || load32(shm->ring.record_size) != rsize)
		return -EPROTO;
	if (ring_records)
		*ring_records = records;
	if (header_size)
		*header_size = hsize;
	return 0;
}

Segment Segment::Open(const std::string &name, int *err, long long owner, u32 *found_uid) {
	Segment s;
	// Looked at before it is opened: anyone can make a name in /dev/shm, and an open of what is
	// there could wait for a FIFO's writer (mxrt-top and every job running it hung) or fail in
	// ways that say nothing of whose it is (a symlink, a socket, a file only its owner may read).
	// `st` is checked again on the open file: only its owner could have changed it meanwhile.
	const uid_t daemons = owner < 0 ? geteuid() : uid_t(owner);
	const auto refuse = [&](const struct stat &st) {
		if (found_uid)
			*found_uid = u32(st.st_uid);
		return !S_ISREG(st.st_mode) ? -EINVAL : st.st_uid != 0 && st.st_uid != daemons ? -EPERM : 0;
	};
	struct stat st;
	if (lstat(("/dev/shm" + name).c_str(), &st) != 0) {
		*err = -errno;
		return s;
	}
	if ((*err = refuse(st)) != 0)
		return s;
	// O_NONBLOCK: a lease its owner holds fails the open (-EBUSY below) rather than wait
	int fd = shm_open(name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		return s;
	}
	if (fstat(fd, &st) != 0) {
		*err = -errno;
		close(fd);
		return s;
	}
	if ((*err = refuse(st)) != 0) {
		close(fd);
		return s;
	}
	const std::size_t size = std::size_t(st.st_size);
	if (size < MXRTD_SHM_HEADER_SIZE) {
		*err = -EAGAIN;
		close(fd);
		return s;
	}
	void *p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		*err = -errno;
		close(fd);
		return s;
	}
	const int check = CheckHeader(static_cast<const mxrtd_shm *>(p), size, &s.ring_records_, &s.header_size_);
	if (check != 0) {
		munmap(p, size);
		close(fd);
		*err = check;
		return s;
	}
	s.shm_ = static_cast<mxrtd_shm *>(p);
	s.size_ = size;
	s.fd_ = fd;
	s.name_ = name;
	*err = 0;
	return s;
}

bool Segment::OwnerAlive() const {
	if (fd_ < 0)
		return false;
	if (owner_)
		return true;
	return WriteLocked(fd_);
}

bool Segment::Intact() const {
	struct stat st;
	return shm_ && fd_ >= 0 && fstat(fd_, &st) == 0 && st.st_size >= 0 && std::size_t(st.st_size) >= size_;
}

void Segment::Shutdown() {
	if (shm_ && owner_) {
		StoreAndWake(&shm_->events.state.value, MXRTD_STATE_STOPPED);
		Bump(&shm_->events.any.value);
		shm_unlink(name_.c_str());
	}
	Close();
}

void Segment::Close() {
	if (shm_)
		munmap(shm_, size_);
	if (fd_ >= 0)
		close(fd_); // releases the lock
	shm_ = nullptr;
	fd_ = -1;
	owner_ = false;
}

// ---- the writer --------------------------------------------------------------------------------

void InitHeader(mxrtd_shm *shm, u32 ring_records, u32 pid, u32 device_index,
		const std::string &device) {
	std::memset(static_cast<void *>(shm), 0, sizeof(*shm));
	shm->version = MXRTD_SHM_VERSION;
	shm->header_size = MXRTD_SHM_HEADER_SIZE;
	shm->ring_records = ring_records;
	shm->record_size = sizeof(Record);
	shm->total_size = MXRTD_SHM_HEADER_SIZE + u64(ring_records) * sizeof(Record);
	shm->pid = pid;
	shm->device_index = device_index;
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	shm->started_ns = u64(ts.tv_sec) * 1000000000ull + u64(ts.tv_nsec);
	std::strncpy(shm->device, device.c_str(), sizeof(shm->device) - 1);
	shm->ring.records = ring_records;
	shm->ring.record_size = sizeof(Record);
	ShmWriter::Hist(shm->acq_latency).Init();
	ShmWriter::Hist(shm->mon_latency).Init();
	shm->temp.millicelsius = 0;
	shm->vitals.flags = MXRTD_VITALS_NONE;
	shm->events.state.value = MXRTD_STATE_STARTING;
	// Last, with release: a reader that sees the magic sees everything above (pairs with
	// CheckHeader's acquire load).
	AtomicRef<u64>(shm->magic).Store(MXRTD_SHM_MAGIC, MemoryOrder::kRelease);
}

void ShmWriter::PublishRecords(const Record *rec, u32 n) {
	if (n == 0)
		return;
	const u64 size = shm_->ring.records, mask = size - 1;
	const u64 i = AtomicRef<u64>(shm_->ring.head).Load(MemoryOrder::kRelaxed);
	const u64 end = i + n;
	if (n > size) { // only the newest `size` can be kept
		rec += n - size;
		n = u32(size);
	}
	AtomicRef<u64>(shm_->ring.writing).Store(end, MemoryOrder::kRelaxed);
	kstd::SeqWriterFence(); // the claim before the slots: pairs with SeqReaderFence in ReadRing
	const u64 first = end - n;
	const u32 at = u32(first & mask);
	const u32 part = u32(size - at) < n ? u32(size - at) : n;
	kstd::SeqStore(&slots_[at], rec, std::size_t(part) * sizeof(Record));
	if (part < n)
		kstd::SeqStore(&slots_[0], rec + part, std::size_t(n - part) * sizeof(Record));
	AtomicRef<u64>(shm_->ring.head).Store(end, MemoryOrder::kRelease); // pairs with ReadRing's head load
}

// A seqlock section: `seq` first, then the payload, copied in words.
template <typename T> static void SeqWrite(T *dst, const T &src) {
	kstd::SeqCountRef seq(dst->seq);
	seq.WriteBegin();
	kstd::SeqStore(reinterpret_cast<char *>(dst) + 8, reinterpret_cast<const char *>(&src) + 8, sizeof(T) - 8);
	seq.WriteEnd();
}

// A seqlock section's copy: false only if the writer stayed inside the section for about 20 ms.
// It spins first, then sleeps 50 us between tries: a writer preempted inside its section (the main
// thread writes the temperature and configuration at SCHED_OTHER; a deadline thread can be
// throttled) needs the CPU to finish, and one that gave up after 1000 spins (4 us) left a torn
// copy that mxrt-top showed (a valid-looking SpO2 of 0 %, a review's emulation).
template <typename T> static bool SeqRead(const T *src, T *out) {
	kstd::SeqCountRef seq(const_cast<u64 &>(src->seq));
	for (int tries = 0; tries < 1000 + 400; tries++) {
		if (tries >= 1000) {
			const timespec pause{0, 50000};
			nanosleep(&pause, nullptr);
		}
		const u64 s = seq.ReadBegin();
		kstd::SeqLoad(reinterpret_cast<char *>(out) + 8, reinterpret_cast<const char *>(src) + 8, sizeof(T) - 8);
		if (!seq.ReadRetry(s)) {
			out->seq = s;
			return true;
		}
	}
	return false;
}

void ShmWriter::PublishVitals(const mxrtd_shm_vitals &v) {
	mxrtd_shm_vitals c = v;
	c.updates = shm_->vitals.updates + 1; // the only writer: a plain read of its own field
	SeqWrite(&shm_->vitals, c);
}

void ShmWriter::PublishTemp(const mxrtd_shm_temp &t) {
	mxrtd_shm_temp c = t;
	c.updates = shm_->temp.updates + 1;
	SeqWrite(&shm_->temp, c);
}

void ShmWriter::PublishConfig(const mxrtd_shm_config &c) { SeqWrite(&shm_->config, c); }

void ShmWriter::Add(u64 mxrtd_shm_stats::*field, u64 d) {
	AtomicRef<u64>(shm_->stats.*field).AddSingleWriter(d, MemoryOrder::kRelaxed);
}

void ShmWriter::Set(u64 mxrtd_shm_stats::*field, u64 v) {
	AtomicRef<u64>(shm_->stats.*field).Store(v, MemoryOrder::kRelaxed);
}

// ---- readers -----------------------------------------------------------------------------------

RingCursor RingCursor::AtHead(const mxrtd_shm *shm) {
	RingCursor c;
	c.next = AtomicRef<const u64>(shm->ring.head).Load(MemoryOrder::kAcquire);
	return c;
}

u64 RingPending(const mxrtd_shm *shm, const RingCursor &c) {
	const u64 h = AtomicRef<const u64>(shm->ring.head).Load(MemoryOrder::kAcquire);
	return h > c.next ? h - c.next : 0;
}

// The ring of `size` slots (a power of two) at `slots`.
static u32 ReadRingAt(const mxrtd_shm *shm, const Record *slots, u64 size, RingCursor *c, Record *out, u32 max) {
	if (max == 0)
		return 0;
	const u64 mask = size - 1;
	auto oldest = [size](u64 end) { return end > size ? end - size : 0; };
	for (int tries = 0; tries < 1000; tries++) {
		const u64 h = AtomicRef<const u64>(shm->ring.head).Load(MemoryOrder::kAcquire); // pairs with PublishRecords
		if (c->next >= h)
			return 0;
		u64 lo = c->next > oldest(h) ? c->next : oldest(h);
		u32 n = u32(h - lo < max ? h - lo : max);
		const u32 at = u32(lo & mask);
		const u32 part = u32(size - at) < n ? u32(size - at) : n;
		kstd::SeqLoad(out, &slots[at], std::size_t(part) * sizeof(Record));
		if (part < n)
			kstd::SeqLoad(out + part, &slots[0], std::size_t(n - part) * sizeof(Record));
		kstd::SeqReaderFence(); // the copy before the claim check: pairs with SeqWriterFence
		const u64 valid = oldest(AtomicRef<const u64>(shm->ring.writing).Load(MemoryOrder::kRelaxed));
		if (lo < valid) { // lapped during the copy: drop what the writer may have reached
			if (valid >= lo + n)
				continue;
			const u32 drop = u32(valid - lo);
			std::memmove(out, out + drop, std::size_t(n - drop) * sizeof(Record));
			lo = valid;
			n -= drop;
		}
		// The first record carries the gap this reader caused (within a batch, gaps are the
		// sensor's own: b.seq == a.seq + 1 + b.lost).
		// Only the `skipped` slots are this reader's loss: the losses the records it missed carried
		// (the sensor's, or the daemon's behind the driver) are in the gap, not in c->lost.
		const u64 skipped = lo - c->next;
		if (c->started) {
			const u64 gap = out[0].seq - c->last_seq - 1;
			if (skipped > 0) {
				out[0].flags |= MXRT_MAX30102_REC_READER_OVERRUN;
				c->overruns++;
				c->lost += skipped;
				out[0].lost = u32(gap < 0xffffffffull ? gap : 0xffffffffull);
			}
		} else if (skipped > 0) {
			out[0].flags |= MXRT_MAX30102_REC_READER_OVERRUN;
			c->overruns++;
			c->lost += skipped;
			const u64 l = u64(out[0].lost) + skipped;
			out[0].lost = u32(l < 0xffffffffull ? l : 0xffffffffull);
		}
		c->next = lo + n;
		c->started = true;
		c->last_seq = out[n - 1].seq;
		return n;
	}
	return 0; // `writing` ahead of every copy: no daemon's segment (nothing is counted as read)
}

u32 ReadRing(const Segment &seg, RingCursor *c, Record *out, u32 max) {
	if (!seg.valid() || seg.ring_records() == 0)
		return 0;
	const auto *slots = reinterpret_cast<const Record *>(reinterpret_cast<const char *>(seg.shm()) + seg.header_size());
	return ReadRingAt(seg.shm(), slots, seg.ring_records(), c, out, max);
}

u32 ReadRing(const mxrtd_shm *shm, RingCursor *c, Record *out, u32 max) {
	const auto *slots = reinterpret_cast<const Record *>(reinterpret_cast<const char *>(shm) + shm->header_size);
	return ReadRingAt(shm, slots, shm->ring.records, c, out, max);
}

bool ReadVitals(const mxrtd_shm *shm, mxrtd_shm_vitals *out) { return SeqRead(&shm->vitals, out); }
bool ReadTemp(const mxrtd_shm *shm, mxrtd_shm_temp *out) { return SeqRead(&shm->temp, out); }
bool ReadConfig(const mxrtd_shm *shm, mxrtd_shm_config *out) { return SeqRead(&shm->config, out); }

mxrtd_shm_stats ReadStats(const mxrtd_shm *shm) {
	mxrtd_shm_stats s;
	const u64 *src = reinterpret_cast<const u64 *>(&shm->stats);
	u64 *dst = reinterpret_cast<u64 *>(&s);
	for (std::size_t i = 0; i < sizeof(s) / 8; i++)
		dst[i] = AtomicRef<const u64>(src[i]).Load(MemoryOrder::kRelaxed);
	return s;
}

mxrt::Log2Snapshot ReadLatency(const mxrtd_shm_latency &h) {
	return ShmWriter::Hist(const_cast<mxrtd_shm_latency &>(h)).Snapshot();
}

} // namespace mxrtd
