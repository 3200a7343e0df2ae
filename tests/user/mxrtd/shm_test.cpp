// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (also under TSan). mxrtd's shared-memory segment: the ABI's layout, creating
// and opening it, a live owner refused and a dead one's segment replaced, shutdown leaving nothing,
// the ring's order, wrap-around and overrun reports, and one writer racing many readers over the
// ring and the vitals seqlock without a torn record or an unreported gap.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <mxrtd/futex.hpp>
#include <mxrtd/shm.hpp>

namespace mxrtd {
namespace {

// The ABI is fixed: these are the numbers a C reader compiled elsewhere relies on.
static_assert(sizeof(mxrtd_shm) == 4096);
static_assert(offsetof(mxrtd_shm, events) == 128 && sizeof(mxrtd_shm_events) == 512);
static_assert(offsetof(mxrtd_shm, ring) == 640 && sizeof(mxrtd_shm_ring) == 64);
static_assert(offsetof(mxrtd_shm, vitals) == 704 && sizeof(mxrtd_shm_vitals) == 64);
static_assert(offsetof(mxrtd_shm, temp) == 768 && sizeof(mxrtd_shm_temp) == 64);
static_assert(offsetof(mxrtd_shm, config) == 832 && sizeof(mxrtd_shm_config) == 128);
static_assert(offsetof(mxrtd_shm, stats) == 960 && sizeof(mxrtd_shm_stats) == 256);
static_assert(offsetof(mxrtd_shm, acq_latency) == 1216 && sizeof(mxrtd_shm_latency) == 352);
static_assert(offsetof(mxrtd_shm, mon_latency) == 1568);
static_assert(offsetof(mxrtd_vitals_msg, update) == 8 && offsetof(mxrtd_vitals_msg, temp_millicelsius) == 48);
static_assert(sizeof(mxrtd_vitals_msg) == 56);
// every futex word on its own cache line
static_assert(offsetof(mxrtd_shm_events, vitals) - offsetof(mxrtd_shm_events, samples) == 64);

std::string Name(const char *what) { return "/mxrtd-test-" + std::to_string(getpid()) + "-" + what; }

Record Rec(u64 seq, u32 lost = 0) {
	Record r{};
	r.seq = seq;
	r.timestamp_ns = seq * 2500000;
	r.red = u32(seq * 7 + 1);
	r.ir = u32(seq * 13 + 2);
	r.lost = lost;
	r.flags = lost ? MXRT_MAX30102_REC_FIFO_OVERFLOW : 0;
	r.adc_bits = 18;
	return r;
}

bool Intact(const Record &r) { return r.red == u32(r.seq * 7 + 1) && r.ir == u32(r.seq * 13 + 2) && r.adc_bits == 18; }

// A segment in memory of our own (no /dev/shm) for the ring and seqlock tests.
struct Mem {
	explicit Mem(u32 records) : size(MXRTD_SHM_HEADER_SIZE + records * sizeof(Record)) {
		p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		InitHeader(shm(), records, 1, 0, "/dev/max30102-0");
	}
	~Mem() { munmap(p, size); }
	mxrtd_shm *shm() { return static_cast<mxrtd_shm *>(p); }
	std::size_t size;
	void *p;
};

TEST(MxrtdShm, CreateOpenShutdownLeaveNothing) {
	const std::string name = Name("life");
	int err = 1;
	Segment::Found found;
	Segment w = Segment::Create(name, 64, 0644, &err, &found);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(found, Segment::Found::kNothing);
	EXPECT_EQ(w.size(), 4096u + 64 * 32);
	// not ready before InitHeader
	Segment r = Segment::Open(name, &err);
	EXPECT_EQ(err, -EAGAIN);
	InitHeader(w.shm(), 64, u32(getpid()), 3, "/dev/max30102-3");
	r = Segment::Open(name, &err);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(r.shm()->device_index, 3u);
	EXPECT_STREQ(r.shm()->device, "/dev/max30102-3");
	EXPECT_EQ(r.shm()->ring_records, 64u);
	EXPECT_TRUE(r.OwnerAlive());
	EXPECT_EQ(LoadWord(&r.shm()->events.state.value), u32(MXRTD_STATE_STARTING));
	w.Shutdown();
	EXPECT_EQ(LoadWord(&r.shm()->events.state.value), u32(MXRTD_STATE_STOPPED)); // the reader's view
	EXPECT_FALSE(r.OwnerAlive());
	Segment gone = Segment::Open(name, &err);
	EXPECT_EQ(err, -ENOENT); // unlinked
	EXPECT_NE(access(("/dev/shm" + name).c_str(), F_OK), 0);
}

TEST(MxrtdShm, ALiveOwnerIsRefusedADeadOnesSegmentReplaced) {
	const std::string name = Name("owner");
	int err = 1;
	Segment a = Segment::Create(name, 64, 0644, &err);
	ASSERT_EQ(err, 0);
	// a pid no process here has: a live daemon in another pid namespace names such a one, and it
	// is its lock, not its pid, that says it runs
	const u32 me = 4242;
	InitHeader(a.shm(), 64, me, 0, "/dev/max30102-0");
	u32 owner = 0;
	Segment b = Segment::Create(name, 64, 0644, &err, nullptr, &owner);
	EXPECT_EQ(err, -EBUSY);
	EXPECT_FALSE(b.valid());
	EXPECT_EQ(owner, me); // the pid the live segment names
	// "crash": the owner goes away without Shutdown (its lock goes with its file)
	a.Close();
	ASSERT_EQ(access(("/dev/shm" + name).c_str(), F_OK), 0) << "a crash leaves the name behind";
	Segment::Found found;
	Segment c = Segment::Create(name, 128, 0644, &err, &found, &owner);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(found, Segment::Found::kStale);
	EXPECT_EQ(owner, me);
	EXPECT_EQ(c.size(), 4096u + 128 * 32); // a new segment, not the old one reused
	c.Shutdown();
}

// A crashed daemon's segment on which a reader holds a flock for as long as it likes (any user can
// open it read-only and flock it, LOCK_SH or LOCK_EX): the lock is no daemon's, and the segment is
// replaced. Each kept the daemon from starting again (-EBUSY: exit 4, not restarted): LOCK_SH
// until 2026-12-07, LOCK_EX until the daemon's lock became a write lock, which a read-only file
// cannot take. A reader's liveness check says the same.
TEST(MxrtdShm, AReadersLockOnADeadDaemonsSegmentDoesNotKeepItFromStarting) {
	for (const int how : {LOCK_SH, LOCK_EX}) {
		const std::string name = Name(how == LOCK_SH ? "held-sh" : "held-ex");
		int err = 1;
		const pid_t child = fork();
		ASSERT_GE(child, 0);
		if (child == 0)
			_exit(0);
		ASSERT_EQ(waitpid(child, nullptr, 0), child); // its pid names no process now
		Segment a = Segment::Create(name, 64, 0644, &err);
		ASSERT_EQ(err, 0);
		InitHeader(a.shm(), 64, u32(child), 0, "/dev/max30102-0");
		a.shm()->events.state.value = MXRTD_STATE_RUNNING;
		int oerr = 1;
		Segment watcher = Segment::Open(name, &oerr);
		ASSERT_EQ(oerr, 0);
		EXPECT_TRUE(watcher.OwnerAlive()) << how;
		a.Close(); // the daemon "crashed"
		EXPECT_FALSE(watcher.OwnerAlive()) << how;
		const int reader = shm_open(name.c_str(), O_RDONLY, 0);
		ASSERT_GE(reader, 0);
		ASSERT_EQ(flock(reader, how | LOCK_NB), 0) << how; // held on
		EXPECT_FALSE(watcher.OwnerAlive()) << "a reader's flock is no daemon: " << how;
		Segment::Found found = Segment::Found::kNothing;
		u32 owner = 0;
		Segment b = Segment::Create(name, 64, 0644, &err, &found, &owner);
		EXPECT_EQ(err, 0) << how;
		EXPECT_EQ(found, Segment::Found::kStale) << how;
		EXPECT_EQ(owner, u32(child));
		EXPECT_TRUE(b.valid());
		close(reader);
		b.Shutdown();
	}
}

// A segment file made by hand, as anyone could make one in /dev/shm: a daemon's header (a ring of
// 16, a made-up pid), read-write, unlinked when the test ends whatever is left under the name.
struct HandMadeSegment {
	explicit HandMadeSegment(const std::string &n) : name(n) {
		fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || ftruncate(fd, 4096 + 16 * 32) != 0)
			return;
		void *p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return;
		InitHeader(static_cast<mxrtd_shm *>(p), 16, 1 /* a made-up pid */, 0, "/dev/max30102-0");
		munmap(p, 4096);
		made = true;
	}
	~HandMadeSegment() {
		if (fd >= 0)
			close(fd);
		shm_unlink(name.c_str());
	}
	std::string name;
	int fd = -1;
	bool made = false;
};

// /dev/shm is world-writable: another user's file of the segment's name, locked, with a pid in
// it, is not a running daemon. It kept the daemon from starting (-EBUSY: exit 4, which
// systemd does not restart), naming whatever pid the file said.
TEST(MxrtdShm, AnotherUsersFileIsNoDaemonsSegment) {
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root, to give a file to another user";
	const std::string name = Name("foreign");
	HandMadeSegment file(name);
	ASSERT_TRUE(file.made);
	ASSERT_EQ(fchown(file.fd, 65534, 65534), 0);
	struct flock wl = {};
	wl.l_type = F_WRLCK;
	wl.l_whence = SEEK_SET;
	ASSERT_EQ(fcntl(file.fd, F_OFD_SETLK, &wl), 0); // held, as by a running daemon (another open file)
	int err = 1;
	Segment::Found found = Segment::Found::kNothing;
	u32 pid = 0, uid = 0;
	Segment s = Segment::Create(name, 64, 0644, &err, &found, &pid, &uid);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(found, Segment::Found::kForeign);
	EXPECT_EQ(uid, 65534u);
	struct stat st;
	const int now = shm_open(name.c_str(), O_RDONLY, 0);
	ASSERT_GE(now, 0);
	ASSERT_EQ(fstat(now, &st), 0);
	close(now);
	EXPECT_EQ(st.st_uid, geteuid()); // the daemon's own, new segment
	EXPECT_EQ(st.st_size, off_t(4096 + 64 * 32));
	s.Shutdown();
}

// Removes /dev/shm<name> (whatever it is) when the test ends, also when an assertion fails.
struct ShmNameGone {
	std::string path;
	~ShmNameGone() {
		const std::string inside = path + "/x";
		unlink(inside.c_str());
		if (rmdir(path.c_str()) != 0)
			unlink(path.c_str());
	}
};

// A unix socket bound at `path` (closed at once: the name stays).
bool MakeSocket(const std::string &path) {
	const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_un a{};
	a.sun_family = AF_UNIX;
	std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
	const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

// Anyone can make a FIFO, a directory, a symlink or a socket in /dev/shm. A reader's open of a
// FIFO waited for a writer (mxrt-top and every job running it hung); none is a segment, and each
// is judged before it is opened.
TEST(MxrtdShm, OpenRefusesWhatIsNotARegularFileAtOnce) {
	const std::string name = Name("fifo");
	ShmNameGone gone{"/dev/shm" + name};
	ASSERT_EQ(mkfifo(gone.path.c_str(), 0600), 0) << std::strerror(errno);
	// a blocked open is let go after 3 s by a writer, so that the test fails rather than hangs
	std::atomic<bool> returned{false};
	std::thread writer([&] {
		for (int i = 0; i < 300 && !returned.load(); i++)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		if (!returned.load())
			close(open(gone.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
	});
	int err = 1;
	u32 uid = ~0u;
	const auto t0 = std::chrono::steady_clock::now();
	Segment s = Segment::Open(name, &err, -1, &uid);
	returned = true;
	writer.join();
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2)) << "the open waited for a writer";
	EXPECT_EQ(err, -EINVAL);
	EXPECT_EQ(uid, u32(geteuid()));
	EXPECT_EQ(s.shm(), nullptr);
	unlink(gone.path.c_str());
	ASSERT_EQ(mkdir(gone.path.c_str(), 0700), 0);
	s = Segment::Open(name, &err);
	EXPECT_EQ(err, -EINVAL) << "a directory";
	rmdir(gone.path.c_str());
	ASSERT_EQ(symlink("/proc/self/status", gone.path.c_str()), 0);
	s = Segment::Open(name, &err);
	EXPECT_EQ(err, -EINVAL) << "a symlink (it was ELOOP, which says nothing of whose it is)";
	unlink(gone.path.c_str());
	ASSERT_TRUE(MakeSocket(gone.path));
	s = Segment::Open(name, &err);
	EXPECT_EQ(err, -EINVAL) << "a socket (it was ENXIO)";
}

// ... and none keeps the daemon from starting: what is not its user's regular file is removed by
// its name, never opened (another user's lease made the open fail at once, a symlink or a socket
// failed it too); a directory with files in it (root cannot remove it in one step) is refused
// with its owner named.
TEST(MxrtdShm, AnotherUsersNameOfAnyKindDoesNotKeepTheDaemonFromStarting) {
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root, to give a file to another user";
	const std::string name = Name("special");
	ShmNameGone gone{"/dev/shm" + name};
	const std::string &path = gone.path;
	const auto replaced = [&](const char *what) {
		int err = 1;
		Segment::Found found = Segment::Found::kNothing;
		u32 pid = 0, uid = 0;
		const auto t0 = std::chrono::steady_clock::now();
		Segment s = Segment::Create(name, 64, 0644, &err, &found, &pid, &uid);
		EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5)) << what;
		EXPECT_EQ(err, 0) << what << ": " << std::strerror(-err);
		EXPECT_EQ(found, Segment::Found::kForeign) << what;
		EXPECT_EQ(uid, 65534u) << what;
		EXPECT_NE(s.shm(), nullptr) << what;
		s.Shutdown();
	};
	ASSERT_EQ(mkfifo(path.c_str(), 0666), 0) << std::strerror(errno);
	ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
	replaced("a FIFO");
	ASSERT_EQ(mkdir(path.c_str(), 0777), 0);
	ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
	replaced("an empty directory");
	// a symlink to a file of root's (the test's own: the VM guests have no /etc/passwd)
	ShmNameGone target{path + "-target"};
	const int tf = open(target.path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_GE(tf, 0);
	close(tf);
	ASSERT_EQ(symlink(target.path.c_str(), path.c_str()), 0);
	ASSERT_EQ(lchown(path.c_str(), 65534, 65534), 0);
	replaced("a symlink");
	struct stat st;
	ASSERT_EQ(stat(target.path.c_str(), &st), 0);
	EXPECT_TRUE(S_ISREG(st.st_mode)) << "what the symlink led to is left as it was";
	ASSERT_TRUE(MakeSocket(path));
	ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
	replaced("a socket");
	// a file of another user's under its read lease: the open gave up at once (O_NONBLOCK) or
	// waited out lease-break-time (45 s)
	int ready[2];
	ASSERT_EQ(pipe(ready), 0);
	const pid_t holder = fork();
	ASSERT_GE(holder, 0);
	if (holder == 0) {
		signal(SIGIO, SIG_IGN); // the lease break's signal
		int fd = -1;
		if (setgid(65534) == 0 && setuid(65534) == 0)
			fd = open(path.c_str(), O_CREAT | O_RDONLY | O_CLOEXEC, 0644);
		const char c = fd >= 0 && fcntl(fd, F_SETLEASE, F_RDLCK) == 0 ? 'y' : 'n';
		(void)!write(ready[1], &c, 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char c = 0;
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	if (c == 'y')
		replaced("a file under another user's lease");
	kill(holder, SIGKILL);
	waitpid(holder, nullptr, 0);
	ASSERT_EQ(c, 'y') << "the lease could not be taken";
	unlink(path.c_str());
	ASSERT_EQ(mkdir(path.c_str(), 0777), 0);
	ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
	const std::string inside = path + "/x";
	const int f = open(inside.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_GE(f, 0);
	close(f);
	int err = 1;
	Segment::Found found = Segment::Found::kNothing;
	u32 pid = 0, uid = 0;
	Segment s = Segment::Create(name, 64, 0644, &err, &found, &pid, &uid);
	EXPECT_EQ(err, -ENOTEMPTY);
	EXPECT_EQ(found, Segment::Found::kForeign);
	EXPECT_EQ(uid, 65534u);
	EXPECT_EQ(s.shm(), nullptr);
}

// ... and a consumer does not take one for a daemon's either: Open refuses a file of anyone but
// root and the daemon's user (by default its own), and says whose it is.
TEST(MxrtdShm, OpenRefusesAnotherUsersSegment) {
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root, to give a file to another user";
	const std::string name = Name("foreign-open");
	HandMadeSegment file(name);
	ASSERT_TRUE(file.made);
	int err = 1;
	{
		Segment own = Segment::Open(name, &err);
		EXPECT_EQ(err, 0) << "root's: a daemon's";
	}
	ASSERT_EQ(fchown(file.fd, 65534, 65534), 0);
	u32 uid = 0;
	Segment s = Segment::Open(name, &err, -1, &uid);
	EXPECT_EQ(err, -EPERM);
	EXPECT_EQ(uid, 65534u);
	EXPECT_EQ(s.shm(), nullptr);
	Segment named = Segment::Open(name, &err, 65534);
	EXPECT_EQ(err, 0) << "the daemon's user named";
	EXPECT_NE(named.shm(), nullptr);
}

TEST(MxrtdShm, OpenRefusesWhatIsNotThisAbi) {
	const std::string name = Name("abi");
	int err = 1;
	Segment w = Segment::Create(name, 64, 0644, &err);
	ASSERT_EQ(err, 0);
	InitHeader(w.shm(), 64, 1, 0, "/dev/max30102-0");
	w.shm()->version = 2;
	Segment r = Segment::Open(name, &err);
	EXPECT_EQ(err, -EPROTO);
	w.shm()->version = MXRTD_SHM_VERSION;
	w.shm()->ring_records = 128; // larger than the file
	r = Segment::Open(name, &err);
	EXPECT_EQ(err, -EPROTO);
	w.shm()->ring_records = 64;
	// the ring's own copy of its size, which the readers index by, disagreeing with the header:
	// 0 slots (the index mask all ones: mxrt-top read far past the mapping, SIGSEGV), or more
	for (const u32 bad : {0u, 128u, 1u << 20}) {
		w.shm()->ring.records = bad;
		r = Segment::Open(name, &err);
		EXPECT_EQ(err, -EPROTO) << "ring.records " << bad;
	}
	w.shm()->ring.records = 64;
	w.shm()->ring.record_size = 16;
	r = Segment::Open(name, &err);
	EXPECT_EQ(err, -EPROTO);
	w.shm()->ring.record_size = sizeof(Record);
	r = Segment::Open(name, &err);
	EXPECT_EQ(err, 0); // as the daemon made it again
	r.Close();
	w.Shutdown();
	EXPECT_EQ(ShmNameFor("mxrtd", "/dev/max30102-0"), "/mxrtd-max30102-0");
	EXPECT_EQ(ShmNameFor("p", "max30102-1"), "/p-max30102-1");
	EXPECT_EQ(ShmNameFor("p", "/dev/"), "");
}

TEST(MxrtdShm, RingOrderWrapAndOverruns) {
	Mem m(16);
	ShmWriter w(m.shm());
	RingCursor c = RingCursor::AtHead(m.shm());
	Record out[64];
	EXPECT_EQ(ReadRing(m.shm(), &c, out, 64), 0u);
	u64 seq = 100;
	for (int round = 0; round < 5; round++) { // 5 x 12 records through a ring of 16: wraps
		Record in[12];
		for (auto &r : in)
			r = Rec(seq++);
		w.PublishRecords(in, 12);
		ASSERT_EQ(ReadRing(m.shm(), &c, out, 64), 12u);
		for (u32 i = 0; i < 12; i++) {
			EXPECT_EQ(out[i].seq, in[i].seq);
			EXPECT_TRUE(Intact(out[i]));
			EXPECT_FALSE(out[i].flags & MXRT_MAX30102_REC_READER_OVERRUN);
		}
	}
	EXPECT_EQ(c.overruns, 0u);
	// a sensor loss in the stream is the sensor's, not the reader's
	Record ovf[2] = {Rec(seq + 3, 3), Rec(seq + 4)};
	seq += 5;
	w.PublishRecords(ovf, 2);
	ASSERT_EQ(ReadRing(m.shm(), &c, out, 64), 2u);
	EXPECT_EQ(out[0].lost, 3u);
	EXPECT_FALSE(out[0].flags & MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(c.overruns, 0u);
	// a stalled reader: 40 records into a ring of 16: it gets the newest 16 and is told of 24
	for (int i = 0; i < 40; i++) {
		const Record r = Rec(seq++);
		w.PublishRecords(&r, 1);
	}
	ASSERT_EQ(ReadRing(m.shm(), &c, out, 64), 16u);
	EXPECT_TRUE(out[0].flags & MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(out[0].lost, 24u);
	EXPECT_EQ(out[0].seq, seq - 16);
	EXPECT_EQ(c.overruns, 1u);
	EXPECT_EQ(c.lost, 24u);
	EXPECT_EQ(RingPending(m.shm(), c), 0u);
	// lapped across a loss upstream: the gap says it all, the reader's count only its slots
	for (int i = 0; i < 20; i++) {
		const Record r = i == 3 ? Rec(seq + 7, 7) : Rec(seq);
		seq += i == 3 ? 8 : 1;
		w.PublishRecords(&r, 1);
	}
	ASSERT_EQ(ReadRing(m.shm(), &c, out, 64), 16u);
	EXPECT_EQ(out[0].lost, 4u + 7u) << "b.seq == a.seq + 1 + b.lost";
	EXPECT_EQ(c.overruns, 2u);
	EXPECT_EQ(c.lost, 24u + 4u) << "4 slots missed, not the 7 lost upstream as well";
	// reads of a few at a time continue in order
	for (int i = 0; i < 5; i++) {
		const Record r = Rec(seq++);
		w.PublishRecords(&r, 1);
	}
	EXPECT_EQ(RingPending(m.shm(), c), 5u);
	ASSERT_EQ(ReadRing(m.shm(), &c, out, 2), 2u);
	ASSERT_EQ(ReadRing(m.shm(), &c, out + 2, 64), 3u);
	for (u32 i = 0; i < 5; i++)
		EXPECT_EQ(out[i].seq, seq - 5 + i);
	// a burst larger than the ring keeps its newest records
	std::vector<Record> big;
	for (int i = 0; i < 20; i++)
		big.push_back(Rec(seq++));
	w.PublishRecords(big.data(), 20);
	ASSERT_EQ(ReadRing(m.shm(), &c, out, 64), 16u);
	EXPECT_EQ(out[0].seq, seq - 16);
	EXPECT_EQ(out[0].lost, 4u);
	EXPECT_EQ(c.lost, 32u);
}

// A later version-1 daemon whose header outgrew its reserved space: the ring starts at
// header_size, where the ABI (and the C example in docs/daemon.md) says. The reader took it at
// 4096 and returned the new header's bytes as records.
TEST(MxrtdShm, TheRingStartsAtHeaderSize) {
	constexpr u32 kRecords = 16, kHeader = 8192;
	const std::size_t size = kHeader + kRecords * sizeof(Record);
	void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	mxrtd_shm *shm = static_cast<mxrtd_shm *>(p);
	InitHeader(shm, kRecords, 1, 0, "/dev/max30102-0");
	shm->header_size = kHeader;
	shm->total_size = size;
	EXPECT_EQ(CheckHeader(shm, size), 0);
	// what a writer that knows the larger header does: records at 8192, then head
	Record *slots = reinterpret_cast<Record *>(static_cast<char *>(p) + kHeader);
	for (u32 i = 0; i < 3; i++)
		slots[i] = Rec(50 + i);
	std::memset(static_cast<char *>(p) + MXRTD_SHM_HEADER_SIZE, 0xa5, kHeader - MXRTD_SHM_HEADER_SIZE);
	shm->ring.writing = 3;
	shm->ring.head = 3;
	RingCursor c;
	Record out[8];
	ASSERT_EQ(ReadRing(shm, &c, out, 8), 3u);
	for (u32 i = 0; i < 3; i++) {
		EXPECT_EQ(out[i].seq, 50u + i);
		EXPECT_TRUE(Intact(out[i]));
	}
	// a ring off a record's alignment, or inside the fixed part, is no segment of this ABI
	for (const u32 bad : {kHeader + 4, u32(MXRTD_SHM_HEADER_SIZE - 8)}) {
		shm->header_size = bad;
		shm->total_size = bad + u64(kRecords) * sizeof(Record);
		EXPECT_EQ(CheckHeader(shm, size), -EPROTO) << "header_size " << bad;
	}
	munmap(p, size);
}

// The segment's owner (any user can make /dev/shm/mxrtd-*, which mxrt-top maps) may change the
// geometry after Open checked it. The reader indexed by the live fields: ring.records doubled,
// or header_size moved, read slots past the ring (past the mapping for a larger change: SIGSEGV).
TEST(MxrtdShm, AReaderIndexesByTheGeometryOpenChecked) {
	const std::string name = Name("geometry");
	int err = 1;
	Segment w = Segment::Create(name, 16, 0644, &err);
	ASSERT_EQ(err, 0);
	InitHeader(w.shm(), 16, 1, 0, "/dev/max30102-0");
	Segment r = Segment::Open(name, &err);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(r.ring_records(), 16u);
	EXPECT_EQ(r.header_size(), u32(MXRTD_SHM_HEADER_SIZE));
	for (u32 i = 0; i < 20; i++) // 20 records through the 16 slots the reader checked
		w.slots()[i % 16] = Rec(100 + i);
	w.shm()->ring.writing = 20;
	w.shm()->ring.head = 20;
	mxrtd_shm *shm = w.shm();
	for (int change = 0; change < 2; change++) {
		if (change == 0) { // twice the slots, all fields agreeing
			shm->ring_records = shm->ring.records = 32;
		} else { // the ring moved by two records
			shm->ring_records = shm->ring.records = 16;
			shm->header_size = MXRTD_SHM_HEADER_SIZE + 64;
		}
		shm->total_size = shm->header_size + u64(shm->ring_records) * sizeof(Record);
		RingCursor c;
		Record out[64];
		ASSERT_EQ(ReadRing(r, &c, out, 64), 16u) << "change " << change;
		for (u32 i = 0; i < 16; i++) {
			EXPECT_EQ(out[i].seq, 104u + i) << "change " << change;
			EXPECT_TRUE(Intact(out[i])) << "change " << change;
		}
	}
	r.Close();
	w.Shutdown();
}

// A file that shrank under the mapping: a read past its end is SIGBUS, so a reader asks first.
TEST(MxrtdShm, IntactSaysWhetherTheFileStillHoldsTheMapping) {
	const std::string name = Name("shrink");
	int err = 1;
	Segment w = Segment::Create(name, 16, 0644, &err);
	ASSERT_EQ(err, 0);
	InitHeader(w.shm(), 16, 1, 0, "/dev/max30102-0");
	Segment r = Segment::Open(name, &err);
	ASSERT_EQ(err, 0);
	EXPECT_TRUE(r.Intact());
	const int fd = shm_open(name.c_str(), O_RDWR, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 1 << 16), 0); // grown: still holds every mapped byte
	EXPECT_TRUE(r.Intact());
	ASSERT_EQ(ftruncate(fd, 100), 0);
	EXPECT_FALSE(r.Intact());
	Segment again = Segment::Open(name, &err);
	EXPECT_EQ(err, -EAGAIN); // smaller than a header: as while being created
	close(fd);
	r.Close();
	EXPECT_FALSE(r.Intact());
	w.Shutdown();
}

// `writing` far ahead of `head`, for ever: no daemon writes that, and the reader retried for ever
// (mxrt-top spun at 100% CPU on such a segment). It gives up: nothing read.
TEST(MxrtdShm, AWriterThatNeverFinishesDoesNotHangTheReader) {
	Mem m(16);
	for (u32 i = 0; i < 16; i++)
		reinterpret_cast<Record *>(static_cast<char *>(m.p) + MXRTD_SHM_HEADER_SIZE)[i] = Rec(i);
	m.shm()->ring.head = 16;
	m.shm()->ring.writing = 1ull << 40;
	EXPECT_EXIT(
		{
			alarm(10);
			RingCursor c;
			Record out[8];
			const u32 n = ReadRing(m.shm(), &c, out, 8);
			_exit(n == 0 && c.next == 0 && c.overruns == 0 ? 0 : 3);
		},
		testing::ExitedWithCode(0), "");
}

// A writer preempted inside a seqlock section (the main thread writes the temperature at
// SCHED_OTHER) for 2 ms: the reader waits for it and gets the whole update. It gave up after 1000
// spins (about 4 us) and left a torn copy that mxrt-top showed. One that never finishes: false,
// after about 20 ms.
TEST(MxrtdShm, AReaderWaitsForAWriterPausedInsideASection) {
	Mem m(16);
	mxrtd_shm_temp *t = &m.shm()->temp;
	__atomic_store_n(&t->seq, 1, __ATOMIC_RELEASE); // inside, half written
	t->millicelsius = 36500;
	std::thread writer([t] {
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
		// word stores, as the writer's SeqStore makes them (the reader loads words atomically)
		__atomic_store_n(&t->flags, MXRTD_TEMP_VALID, __ATOMIC_RELAXED);
		__atomic_store_n(&t->updates, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&t->seq, 2, __ATOMIC_RELEASE);
	});
	mxrtd_shm_temp got{};
	const bool ok = ReadTemp(m.shm(), &got);
	writer.join();
	EXPECT_TRUE(ok);
	EXPECT_EQ(got.flags, u32(MXRTD_TEMP_VALID));
	EXPECT_EQ(got.millicelsius, 36500);
	EXPECT_EQ(got.updates, 1u);
	__atomic_store_n(&t->seq, 3, __ATOMIC_RELEASE); // a writer that never comes back
	const auto t0 = std::chrono::steady_clock::now();
	EXPECT_FALSE(ReadTemp(m.shm(), &got));
	const auto waited = std::chrono::steady_clock::now() - t0;
	EXPECT_GE(waited, std::chrono::milliseconds(15));
	EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST(MxrtdShm, SeqlockSectionsAndStatistics) {
	Mem m(16);
	ShmWriter w(m.shm());
	mxrtd_shm_vitals v{};
	ASSERT_TRUE(ReadVitals(m.shm(), &v));
	EXPECT_EQ(v.flags, u32(MXRTD_VITALS_NONE));
	EXPECT_EQ(v.updates, 0u);
	mxrtd_shm_vitals in{};
	in.hr_mbpm = 72000;
	in.spo2_mpct = 97000;
	in.confidence = 85;
	in.flags = 0x0f;
	in.sample_seq = 1234;
	w.PublishVitals(in);
	w.PublishVitals(in);
	ASSERT_TRUE(ReadVitals(m.shm(), &v));
	EXPECT_EQ(v.updates, 2u);
	EXPECT_EQ(v.hr_mbpm, 72000u);
	EXPECT_EQ(v.sample_seq, 1234u);
	EXPECT_EQ(v.seq % 2, 0u);
	mxrtd_shm_temp t{};
	t.millicelsius = -12500;
	t.flags = MXRTD_TEMP_VALID;
	w.PublishTemp(t);
	mxrtd_shm_temp tt{};
	ASSERT_TRUE(ReadTemp(m.shm(), &tt));
	EXPECT_EQ(tt.millicelsius, -12500);
	EXPECT_EQ(tt.updates, 1u);
	w.Add(&mxrtd_shm_stats::acq_records, 10);
	w.Add(&mxrtd_shm_stats::acq_records, 5);
	w.Set(&mxrtd_shm_stats::acq_last_seq, 99);
	const mxrtd_shm_stats s = ReadStats(m.shm());
	EXPECT_EQ(s.acq_records, 15u);
	EXPECT_EQ(s.acq_last_seq, 99u);
	w.AcqLatency().AddSingleWriter(1000);
	w.AcqLatency().AddSingleWriter(3000);
	const mxrt::Log2Snapshot h = ReadLatency(m.shm()->acq_latency);
	EXPECT_EQ(h.count, 2u);
	EXPECT_EQ(h.max, 3000u);
	EXPECT_LE(mxrt::Log2Percentile(h, 990), 3000u);
}

// One writer (the acquisition thread's role) publishing bursts into a small ring and vitals under
// the seqlock; many readers (other processes' role) reading both at once. Every record a reader
// gets is intact and in order, every gap is one it was told of (its overrun count and lost sum
// match the sequence numbers exactly), and every vitals copy is one whole update.
TEST(MxrtdShm, OneWriterManyReadersRace) {
	constexpr int kReaders = 6;
	constexpr u64 kRecords = 200000;
	Mem m(64);
	ShmWriter w(m.shm());
	std::atomic<bool> done{false};
	std::atomic<int> raced{0};
	struct Result {
		u64 got = 0, first = 0, last = 0, overruns = 0, lost = 0, told_lost = 0, bad = 0, vitals = 0;
	};
	std::vector<Result> res(kReaders);
	std::vector<std::thread> readers;
	for (int i = 0; i < kReaders; i++) {
		readers.emplace_back([&, i] {
			Result &r = res[i];
			RingCursor c; // from index 0: the writer starts after every reader exists
			Record buf[64];
			bool counted = false;
			u64 prev = 0;
			for (;;) {
				const bool end = done.load(std::memory_order_acquire);
				u32 n;
				while ((n = ReadRing(m.shm(), &c, buf, 1 + (i * 7) % 64)) > 0) {
					if (!counted && !done.load(std::memory_order_relaxed)) {
						raced.fetch_add(1, std::memory_order_relaxed);
						counted = true;
					}
					for (u32 k = 0; k < n; k++) {
						const Record &x = buf[k];
						if (!Intact(x))
							r.bad++;
						if (r.got == 0)
							r.first = x.seq;
						else if (x.seq != prev + 1 + x.lost)
							r.bad++;
						if (x.flags & MXRT_MAX30102_REC_READER_OVERRUN)
							r.told_lost += x.lost;
						prev = x.seq;
						r.got++;
					}
				}
				mxrtd_shm_vitals v;
				if (ReadVitals(m.shm(), &v)) {
					// one whole update: the fields agree with each other
					if (v.hr_mbpm != v.sample_seq * 3 || v.spo2_mpct != v.sample_seq * 5 || v.confidence != v.sample_seq % 101)
						r.bad++;
					r.vitals++;
				}
				if (end)
					break;
			}
			r.last = prev;
			r.overruns = c.overruns;
			r.lost = c.lost;
		});
	}
	u64 seq = 0;
	Record burst[33];
	for (u64 i = 0; seq < kRecords; i++) {
		const u32 n = 1 + u32(i % 33);
		for (u32 k = 0; k < n; k++)
			burst[k] = Rec(seq++);
		w.PublishRecords(burst, n);
		mxrtd_shm_vitals v{};
		v.sample_seq = seq;
		v.hr_mbpm = u32(seq * 3);
		v.spo2_mpct = u32(seq * 5);
		v.confidence = u32(seq % 101);
		w.PublishVitals(v);
		if (i % 64 == 0)
			std::this_thread::yield();
	}
	done.store(true, std::memory_order_release);
	for (auto &t : readers)
		t.join();
	for (int i = 0; i < kReaders; i++) {
		const Result &r = res[i];
		EXPECT_EQ(r.bad, 0u) << "reader " << i;
		EXPECT_GT(r.got, 0u) << "reader " << i;
		EXPECT_EQ(r.last, seq - 1) << "reader " << i << " ends at the newest record";
		// every record from index 0 (seq 0) to the last: read, or lost and told so
		EXPECT_EQ(r.got + r.lost, r.last + 1) << "reader " << i;
		EXPECT_EQ(r.told_lost, r.lost) << "reader " << i;
		EXPECT_GT(r.vitals, 0u);
	}
	EXPECT_GT(raced.load(), 0) << "no reader read while the writer wrote: the test raced nothing";
}

} // namespace
} // namespace mxrtd
