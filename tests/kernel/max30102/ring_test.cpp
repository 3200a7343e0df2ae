// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (also under TSan). The sample ring: sizes and allocation failures, order,
// overrun reports, reads that consume nothing until committed, resize, and many readers racing one
// producer without ever seeing a torn record or an unreported gap.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <max30102/ring.h>
#include "../lib/platform/platform_fake.hpp"

namespace {

mxrt_ring *Make(uint32_t records) {
	mxrt_ring *r = nullptr;
	const int err = mxrt_ring_create(records, -1, &r);
	EXPECT_EQ(err, 0) << records;
	return r;
}

mxrt_max30102_record Rec(uint64_t seq, uint32_t lost = 0) {
	mxrt_max30102_record r{};
	r.seq = seq;
	r.timestamp_ns = seq * 1000;
	r.red = uint32_t(seq * 7);
	r.ir = uint32_t(seq * 13);
	r.lost = lost;
	r.flags = lost ? MXRT_MAX30102_REC_FIFO_OVERFLOW : 0;
	r.adc_bits = 18;
	return r;
}

// The producer goes on only once every reader got a record while it was still writing (at most
// 10 s), so that each reader really races it; the tests then check that each one did.
void WaitUntilAllRaced(const std::vector<std::atomic<int>> &raced) {
	for (int spins = 0; spins < 10'000; spins++) {
		bool all = true;
		for (const auto &r : raced)
			all = all && r.load();
		if (all)
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}

// Pushes the record Rec(seq, lost) makes.
void Push(mxrt_ring *r, uint64_t seq, uint32_t lost = 0) {
	const mxrt_max30102_record x = Rec(seq, lost);
	mxrt_ring_push(r, &x);
}

bool Consistent(const mxrt_max30102_record &r) {
	return r.timestamp_ns == r.seq * 1000 && r.red == uint32_t(r.seq * 7) && r.ir == uint32_t(r.seq * 13);
}

TEST(SampleRing, RejectsSizesThatAreNotPowersOfTwoInRange) {
	mxrt_ring *r = nullptr;
	for (uint32_t bad : {100u, 8u, 0u, MXRT_RING_MAX_RECORDS * 2}) {
		EXPECT_EQ(mxrt_ring_check_size(bad), -MXRT_EINVAL) << bad;
		EXPECT_EQ(mxrt_ring_create(bad, -1, &r), -MXRT_EINVAL) << bad;
		EXPECT_EQ(r, nullptr) << "untouched on error";
	}
	EXPECT_EQ(mxrt_ring_check_size(MXRT_RING_MIN_RECORDS), 0);
	EXPECT_EQ(mxrt_ring_check_size(MXRT_RING_MAX_RECORDS), 0);
	ASSERT_EQ(mxrt_ring_create(64, -1, &r), 0);
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(mxrt_ring_size(r), 64u);
	mxrt_ring_destroy(r);
}

// No memory is -ENOMEM, not -EINVAL: the driver's sysfs ring_size passes it on as it is.
TEST(SampleRing, NoMemoryIsEnomem) {
	mxrt_ring *r = nullptr;
	mxrt::fake::FailAllocAfter(0);
	const int err = mxrt_ring_create(4096, -1, &r);
	mxrt::fake::ResetAllocFailures();
	EXPECT_EQ(err, -MXRT_ENOMEM);
	EXPECT_EQ(r, nullptr);
}

// A read that is not committed consumes nothing (the driver commits after copy_to_user succeeded):
// the next read returns the same records, and a reader lapped meanwhile is told what it lost.
TEST(SampleRing, PeekConsumesNothingUntilCommitted) {
	mxrt_ring *r = Make(16);
	mxrt_ring_reader rd, next;
	mxrt_ring_reader_init(r, &rd);
	mxrt_max30102_record out[16];
	for (uint64_t i = 0; i < 6; i++)
		Push(r, i);
	ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 4), 4u);
	EXPECT_EQ(out[0].seq, 0u);
	EXPECT_EQ(rd.cursor, 0u) << "the delivery failed: nothing consumed";
	EXPECT_TRUE(mxrt_ring_readable(r, &rd));
	ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 4), 4u);
	EXPECT_EQ(out[0].seq, 0u) << "the same records again";
	mxrt_ring_reader_commit(&rd, &next);
	EXPECT_EQ(rd.cursor, 4u);
	ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 16), 2u);
	EXPECT_EQ(out[0].seq, 4u);
	EXPECT_EQ(out[0].flags, 0) << "continues after the committed records";
	// not committed, and lapped meanwhile: the next read reports the gap from the last commit
	for (uint64_t i = 6; i < 40; i++)
		Push(r, i);
	ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 16), 16u);
	EXPECT_EQ(out[0].seq, 24u);
	EXPECT_EQ(out[0].lost, 20u) << "4..23";
	EXPECT_TRUE(out[0].flags & MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(rd.overruns, 0u) << "counted when committed";
	mxrt_ring_reader_commit(&rd, &next);
	EXPECT_EQ(rd.overruns, 1u);
	EXPECT_EQ(rd.lost, 20u);
	EXPECT_EQ(rd.last_seq, 39u);
	mxrt_ring_destroy(r);
}

TEST(SampleRing, ReaderStartsAtTheNewestAndReadsInOrder) {
	mxrt_ring *r = Make(16);
	for (uint64_t i = 0; i < 5; i++)
		Push(r, i);
	mxrt_ring_reader rd;
	mxrt_ring_reader_init(r, &rd);
	EXPECT_FALSE(mxrt_ring_readable(r, &rd));
	for (uint64_t i = 5; i < 10; i++)
		Push(r, i);
	mxrt_max30102_record out[16];
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 16), 5u);
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(out[i].seq, 5u + i);
		EXPECT_EQ(out[i].flags, 0);
	}
	EXPECT_EQ(mxrt_ring_read(r, &rd, out, 16), 0u);
	mxrt_ring_destroy(r);
}

// A reader of a 16-record ring that has read its first record, seq 0: where the tests of the gaps
// a reader is told of start.
class StartedReader : public ::testing::Test {
protected:
	void SetUp() override {
		r = Make(16);
		ASSERT_NE(r, nullptr);
		mxrt_ring_reader_init(r, &rd);
		Push(r, 0);
		ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	}
	void TearDown() override { mxrt_ring_destroy(r); }
	mxrt_ring *r = nullptr;
	mxrt_ring_reader rd{};
	mxrt_max30102_record out[64]{};
};

TEST_F(StartedReader, LappedReaderGetsAnExplicitOverrun) {
	for (uint64_t i = 1; i <= 40; i++)
		Push(r, i);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 16u);
	EXPECT_EQ(out[0].seq, 25u);
	EXPECT_EQ(out[0].lost, 24u);
	EXPECT_TRUE(out[0].flags & MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(rd.overruns, 1u);
	EXPECT_EQ(rd.lost, 24u);
	EXPECT_EQ(out[1].flags, 0);
}

TEST(SampleRing, SensorGapsPassThroughAndAddToReaderGaps) {
	mxrt_ring *r = Make(16);
	mxrt_ring_reader rd;
	mxrt_ring_reader_init(r, &rd);
	mxrt_max30102_record out[64];
	Push(r, 0);
	Push(r, 5, 4); // the FIFO overflowed: 1..4 never reached the driver
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 2u);
	EXPECT_EQ(out[1].lost, 4u);
	EXPECT_EQ(out[1].flags, MXRT_MAX30102_REC_FIFO_OVERFLOW) << "not the reader's fault";
	EXPECT_EQ(rd.overruns, 0u);
	mxrt_ring_destroy(r);
}

// A reader lapped across a sensor loss: the gap is the ring entries it missed plus the sensor's
// losses among them; only the entries are the reader's, and the sensor's loss keeps its flag.
TEST_F(StartedReader, LappedReaderIsChargedOnlyForTheEntriesItMissed) {
	for (uint64_t i = 1; i <= 10; i++)
		Push(r, i);
	Push(r, 20, 9); // the FIFO overflowed: 11..19 never came
	for (uint64_t i = 21; i <= 40; i++)
		Push(r, i);
	// 31 entries pushed after seq 0, the ring keeps 16 (seq 25..40): 15 entries lapped
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 16u);
	EXPECT_EQ(out[0].seq, 25u);
	EXPECT_EQ(out[0].lost, 24u) << "the whole gap: b.seq == a.seq + 1 + b.lost";
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_READER_OVERRUN | MXRT_MAX30102_REC_FIFO_OVERFLOW)
		<< "the sensor's loss inside the gap is said";
	EXPECT_EQ(rd.overruns, 1u);
	EXPECT_EQ(rd.lost, 15u) << "ring entries, not the sensor's 9 as well";
	// lapped again with no sensor loss in the gap: no FIFO_OVERFLOW
	for (uint64_t i = 41; i <= 70; i++)
		Push(r, i);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 16u);
	EXPECT_EQ(out[0].seq, 55u);
	EXPECT_EQ(out[0].lost, 14u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(rd.lost, 29u);
}

// After a flush, a sensor loss inside the discarded (or lapped) records is still said:
// FIFO_OVERFLOW joins FLUSHED when the gap holds more than the entries and the record's own loss.
TEST_F(StartedReader, FlushKeepsTheSensorLossInsideTheGap) {
	Push(r, 1);
	Push(r, 11, 9); // the FIFO overflowed: 2..10 never came
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 2u);
	Push(r, 12);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	EXPECT_EQ(out[0].lost, 11u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED | MXRT_MAX30102_REC_FIFO_OVERFLOW);
	// the same, then lapped after the flush: all three said, the reader charged the lapped entries
	Push(r, 13);
	Push(r, 20, 6);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 2u);
	for (uint64_t i = 21; i <= 40; i++)
		Push(r, i);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 16u);
	EXPECT_EQ(out[0].seq, 25u);
	EXPECT_EQ(out[0].lost, 12u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED | MXRT_MAX30102_REC_READER_OVERRUN |
					MXRT_MAX30102_REC_FIFO_OVERFLOW);
	EXPECT_EQ(rd.lost, 4u) << "21..24 lapped";
	// a flush with no sensor loss in the gap: FLUSHED alone
	Push(r, 41);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 1u);
	Push(r, 42);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED);
}

// A reader the producer lapped before it flushed: what was overwritten is an overrun, as a read
// would have found, and the flush discards (and returns) only what the ring still held.
TEST_F(StartedReader, FlushAfterBeingLappedCountsTheOverrun) {
	for (uint64_t i = 1; i <= 100; i++)
		Push(r, i);
	// 100 pushed after seq 0, the ring keeps 16 (85..100): 84 lapped
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 16u) << "only what the ring held";
	EXPECT_EQ(rd.overruns, 1u);
	EXPECT_EQ(rd.lost, 84u);
	EXPECT_EQ(rd.flushes, 1u);
	EXPECT_EQ(rd.flushed, 16u);
	Push(r, 101);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	EXPECT_EQ(out[0].seq, 101u);
	EXPECT_EQ(out[0].lost, 100u) << "the whole gap: b.seq == a.seq + 1 + b.lost";
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED | MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(rd.overruns, 1u) << "counted once, at the flush";
	EXPECT_EQ(rd.lost, 84u);
	// lapped before the flush and again after it: one flag, two overruns, no sensor loss made up
	for (uint64_t i = 102; i <= 140; i++)
		Push(r, i);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 16u);
	for (uint64_t i = 141; i <= 180; i++)
		Push(r, i);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 16u);
	EXPECT_EQ(out[0].seq, 165u);
	EXPECT_EQ(out[0].lost, 63u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED | MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(rd.overruns, 3u);
	EXPECT_EQ(rd.lost, 84u + 23u + 24u) << "102..124 before the flush, 141..164 after it";
	EXPECT_EQ(rd.flushed, 32u);
	// and then reading goes on as before
	Push(r, 181);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	EXPECT_EQ(out[0].flags, 0);
}

// The same through peek and commit, as the driver reads: the peek must carry what the flush left
// to say (a peek that dropped it named the reader's own loss the sensor's: FLUSHED |
// FIFO_OVERFLOW, seen in the VM's 27-max30102-ioctl and in no unit test), and a failed delivery
// (no commit) says it again.
TEST_F(StartedReader, FlushAfterBeingLappedIsSaidThroughPeekAndCommit) {
	for (uint64_t i = 1; i <= 100; i++)
		Push(r, i);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 16u);
	Push(r, 101);
	mxrt_ring_reader next;
	for (int delivery = 0; delivery < 2; delivery++) { // the first one "fails": not committed
		ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 64), 1u);
		EXPECT_EQ(out[0].seq, 101u);
		EXPECT_EQ(out[0].lost, 100u);
		EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED | MXRT_MAX30102_REC_READER_OVERRUN) << delivery;
	}
	mxrt_ring_reader_commit(&rd, &next);
	EXPECT_EQ(rd.overruns, 1u);
	EXPECT_EQ(rd.lost, 84u);
	Push(r, 102);
	ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 64), 1u);
	EXPECT_EQ(out[0].flags, 0);
}

// Lapped before its first record, then flushed: no gap to report (no previous record), but the
// overrun is counted and said, as when such a reader reads.
TEST(SampleRing, FlushBeforeTheFirstRecordAfterBeingLapped) {
	mxrt_ring *r = Make(16);
	mxrt_ring_reader rd;
	mxrt_ring_reader_init(r, &rd);
	mxrt_max30102_record out[64];
	for (uint64_t i = 0; i < 20; i++)
		Push(r, i);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 16u);
	EXPECT_EQ(rd.overruns, 1u);
	EXPECT_EQ(rd.lost, 4u);
	Push(r, 20);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(out[0].lost, 4u) << "the lapped entries, as a lapped first read reports them";
	mxrt_ring_destroy(r);
}

// A flush discards what the reader has not read; the next record still satisfies
// b.seq == a.seq + 1 + b.lost, flagged FLUSHED (and READER_OVERRUN if lapped after the flush).
TEST(SampleRing, FlushReportsTheGapItMade) {
	mxrt_ring *r = Make(16);
	mxrt_ring_reader rd, next;
	mxrt_ring_reader_init(r, &rd);
	mxrt_max30102_record out[64];
	// before the first record: nothing to report afterwards, but counted
	for (uint64_t i = 0; i < 3; i++)
		Push(r, i);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 3u);
	EXPECT_FALSE(mxrt_ring_readable(r, &rd));
	Push(r, 3);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	EXPECT_EQ(out[0].seq, 3u);
	EXPECT_EQ(out[0].flags, 0) << "no previous record: no gap";
	EXPECT_EQ(rd.flushes, 1u);
	EXPECT_EQ(rd.flushed, 3u);
	// nothing to discard: nothing changes
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 0u);
	EXPECT_EQ(rd.flushes, 1u);
	// 4..9 discarded, the sensor lost 10..11 before 12 as well
	for (uint64_t i = 4; i < 10; i++)
		Push(r, i);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 6u);
	Push(r, 12, 2);
	Push(r, 13);
	// a failed delivery (not committed) keeps the report for the next read
	ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 64), 2u);
	ASSERT_EQ(mxrt_ring_peek(r, &rd, &next, out, 64), 2u);
	EXPECT_EQ(out[0].seq, 12u);
	EXPECT_EQ(out[0].lost, 8u) << "3 + 1 + 8 == 12";
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED | MXRT_MAX30102_REC_FIFO_OVERFLOW);
	EXPECT_EQ(out[1].flags, 0);
	mxrt_ring_reader_commit(&rd, &next);
	EXPECT_EQ(rd.flushes, 2u);
	EXPECT_EQ(rd.flushed, 9u);
	EXPECT_EQ(rd.overruns, 0u) << "a flush is not an overrun";
	EXPECT_EQ(rd.lost, 0u);
	// flushed, then lapped: both flags, the overrun counted in ring entries
	for (uint64_t i = 14; i < 20; i++)
		Push(r, i);
	EXPECT_EQ(mxrt_ring_reader_flush(r, &rd), 6u);
	for (uint64_t i = 20; i < 60; i++)
		Push(r, i);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 16u);
	EXPECT_EQ(out[0].seq, 44u);
	EXPECT_EQ(out[0].lost, 30u) << "13 + 1 + 30 == 44";
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FLUSHED | MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(rd.overruns, 1u);
	EXPECT_EQ(rd.lost, 24u) << "20..43 were lapped; 14..19 were flushed";
	EXPECT_EQ(rd.flushed, 15u);
	// and then reading goes on as before
	Push(r, 60);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 64), 1u);
	EXPECT_EQ(out[0].flags, 0);
	mxrt_ring_destroy(r);
}

TEST(SampleRing, ContinueKeepsCursorsValidAcrossResize) {
	mxrt_ring *small = Make(16), *big = Make(64);
	mxrt_ring_reader rd;
	mxrt_ring_reader_init(small, &rd);
	for (uint64_t i = 0; i < 10; i++)
		{ auto x = Rec(i); mxrt_ring_push(small, &x); }
	mxrt_max30102_record out[64];
	ASSERT_EQ(mxrt_ring_read(small, &rd, out, 4), 4u);
	mxrt_ring_continue(big, small);
	EXPECT_EQ(mxrt_ring_head(big), 10u);
	for (uint64_t i = 10; i < 20; i++)
		{ auto x = Rec(i); mxrt_ring_push(big, &x); }
	ASSERT_EQ(mxrt_ring_read(big, &rd, out, 64), 16u) << "nothing lost by growing";
	for (int i = 0; i < 16; i++)
		EXPECT_EQ(out[i].seq, 4u + i);
	// shrinking keeps the newest 16
	mxrt_ring *tiny = Make(16);
	mxrt_ring_reader rd2;
	mxrt_ring_reader_init(big, &rd2);
	rd2.cursor = 0;
	mxrt_ring_continue(tiny, big);
	ASSERT_EQ(mxrt_ring_read(tiny, &rd2, out, 64), 16u);
	EXPECT_EQ(out[0].seq, 4u);
	mxrt_ring_destroy(small);
	mxrt_ring_destroy(big);
	mxrt_ring_destroy(tiny);
}

// Many readers, some slow, one producer: every record a reader gets is intact, and the sequence
// numbers it sees satisfy b.seq == a.seq + 1 + b.lost with lost > 0 only when flagged.
TEST(SampleRing, BurstIsPublishedWhole) {
	mxrt_ring *r = Make(16);
	ASSERT_NE(r, nullptr);
	mxrt_ring_reader rd;
	mxrt_ring_reader_init(r, &rd);
	mxrt_max30102_record in[5], out[8];
	for (int i = 0; i < 5; i++)
		in[i] = Rec(100 + i);
	mxrt_ring_push_n(r, in, 5);
	EXPECT_EQ(mxrt_ring_head(r), 5u);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 8), 5u);
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(out[i].seq, 100u + i);
		EXPECT_TRUE(Consistent(out[i]));
		EXPECT_EQ(out[i].flags, 0);
	}
	mxrt_ring_push_n(r, in, 0); // nothing: no change
	EXPECT_EQ(mxrt_ring_head(r), 5u);
	EXPECT_EQ(mxrt_ring_read(r, &rd, out, 8), 0u);
	// a burst larger than the ring: only the newest 16 survive, and the reader is told
	mxrt_max30102_record big[20];
	for (int i = 0; i < 20; i++)
		big[i] = Rec(105 + i);
	mxrt_ring_push_n(r, big, 20);
	ASSERT_EQ(mxrt_ring_read(r, &rd, out, 8), 8u);
	EXPECT_EQ(out[0].seq, 109u);
	EXPECT_TRUE(out[0].flags & MXRT_MAX30102_REC_READER_OVERRUN);
	EXPECT_EQ(out[0].lost, 4u);
	EXPECT_EQ(rd.lost, 4u);
	mxrt_ring_destroy(r);
}

TEST(SampleRing, ManyReadersRaceOneProducer) {
	constexpr uint64_t kRecords = 200'000;
	constexpr int kReaders = 6;
	mxrt_ring *r = Make(64);
	std::atomic<bool> done{false};
	std::vector<std::thread> readers;
	std::vector<uint64_t> got(kReaders), racing(kReaders), lost(kReaders), bad(kReaders), flagged(kReaders);
	std::vector<mxrt_ring_reader> final_rd(kReaders);
	std::vector<std::atomic<int>> raced(kReaders);
	std::atomic<int> ready{0};
	for (int t = 0; t < kReaders; t++) {
		readers.emplace_back([&, t] {
			mxrt_ring_reader rd;
			mxrt_ring_reader_init(r, &rd);
			ready++;
			mxrt_max30102_record out[8];
			bool have = false;
			uint64_t last = 0;
			for (;;) {
				const bool fin = done.load();
				uint32_t n = mxrt_ring_read(r, &rd, out, t % 2 ? 8 : 1);
				for (uint32_t i = 0; i < n; i++) {
					if (!Consistent(out[i]))
						bad[t]++;
					if (have && out[i].seq != last + 1 + out[i].lost)
						bad[t]++;
					if (out[i].lost && !(out[i].flags & MXRT_MAX30102_REC_READER_OVERRUN))
						bad[t]++;
					flagged[t] += !!(out[i].flags & MXRT_MAX30102_REC_READER_OVERRUN);
					lost[t] += out[i].lost;
					have = true;
					last = out[i].seq;
					got[t]++;
				}
				if (!fin && n) {
					racing[t] += n; // read while the producer was writing
					raced[t] = 1;
				}
				if (t >= 4 && n)
					std::this_thread::yield(); // slow readers: they get lapped
				if (fin && n == 0)
					break;
			}
			final_rd[t] = rd;
			if (last != kRecords - 1)
				bad[t]++;
		});
	}
	while (ready.load() < kReaders)
		std::this_thread::yield();
	// bursts of 1..32 records (the FIFO's), pushed as one each, like the driver does
	std::vector<mxrt_max30102_record> burst;
	for (uint64_t i = 0, k = 0; i < kRecords; k++) {
		burst.clear();
		for (uint64_t b = 1 + (i * 7919) % 32; b > 0 && i < kRecords; b--)
			burst.push_back(Rec(i++));
		mxrt_ring_push_n(r, burst.data(), uint32_t(burst.size()));
		if (k == 0)
			WaitUntilAllRaced(raced);
	}
	done = true;
	for (auto &th : readers)
		th.join();
	uint64_t overruns = 0;
	for (int t = 0; t < kReaders; t++) {
		EXPECT_EQ(bad[t], 0u) << "reader " << t;
		EXPECT_EQ(got[t] + lost[t], kRecords) << "reader " << t << ": every record read or reported lost";
		EXPECT_GT(racing[t], 0u) << "reader " << t << " read nothing while the producer wrote: no race was tested";
		// the producer's records carry no loss of their own: every loss is an overrun this
		// reader was told about, and its own counters say the same
		EXPECT_EQ(final_rd[t].overruns, flagged[t]) << "reader " << t;
		EXPECT_EQ(final_rd[t].lost, lost[t]) << "reader " << t;
		overruns += final_rd[t].overruns;
	}
	EXPECT_GT(overruns, 0u) << "no reader was ever lapped: the overrun path was not tested";
	mxrt_ring_destroy(r);
}

// Readers racing a producer that also resizes the ring (grow and shrink), as the driver's sysfs
// ring_size does: the ring pointer is republished and old rings stay alive until every reader is
// done (the driver's RCU grace period). Cursors stay valid across rings; every gap is reported.
TEST(SampleRing, ReadersRaceResizes) {
	constexpr uint64_t kRecords = 100'000;
	constexpr int kReaders = 4;
	std::vector<mxrt_ring *> rings{Make(64)};
	std::atomic<mxrt_ring *> cur{rings[0]};
	std::atomic<bool> done{false};
	std::atomic<int> ready{0};
	std::vector<uint64_t> got(kReaders), lost(kReaders), bad(kReaders), flagged(kReaders), racing(kReaders);
	std::vector<mxrt_ring_reader> final_rd(kReaders);
	std::vector<std::atomic<int>> raced(kReaders);
	std::vector<std::thread> readers;
	for (int t = 0; t < kReaders; t++) {
		readers.emplace_back([&, t] {
			mxrt_ring_reader rd;
			mxrt_ring_reader_init(cur.load(std::memory_order_acquire), &rd);
			ready++;
			mxrt_max30102_record out[16];
			bool have = false;
			uint64_t last = 0;
			for (;;) {
				const bool fin = done.load();
				uint32_t n = mxrt_ring_read(cur.load(std::memory_order_acquire), &rd, out, 1 + t * 5);
				for (uint32_t i = 0; i < n; i++) {
					if (!Consistent(out[i]) || (have && out[i].seq != last + 1 + out[i].lost) ||
					    (out[i].lost && !(out[i].flags & MXRT_MAX30102_REC_READER_OVERRUN)))
						bad[t]++;
					flagged[t] += !!(out[i].flags & MXRT_MAX30102_REC_READER_OVERRUN);
					lost[t] += out[i].lost;
					have = true;
					last = out[i].seq;
					got[t]++;
				}
				if (!fin && n) {
					racing[t] += n;
					raced[t] = 1;
				}
				if (fin && n == 0)
					break;
			}
			final_rd[t] = rd;
			if (last != kRecords - 1)
				bad[t]++;
		});
	}
	while (ready.load() < kReaders)
		std::this_thread::yield();
	const uint32_t sizes[] = {16, 256, 32, 1024, 64};
	std::vector<mxrt_max30102_record> burst;
	for (uint64_t i = 0, k = 0; i < kRecords; k++) {
		burst.clear();
		for (uint64_t b = 1 + (i * 7919) % 32; b > 0 && i < kRecords; b--)
			burst.push_back(Rec(i++));
		mxrt_ring_push_n(cur.load(std::memory_order_relaxed), burst.data(), uint32_t(burst.size()));
		if (k == 0)
			WaitUntilAllRaced(raced);
		if (k % 97 == 96) {
			mxrt_ring *next = Make(sizes[(k / 97) % 5]);
			mxrt_ring_continue(next, cur.load(std::memory_order_relaxed));
			rings.push_back(next);
			cur.store(next, std::memory_order_release);
		}
	}
	done = true;
	for (auto &th : readers)
		th.join();
	EXPECT_GT(rings.size(), 20u);
	for (int t = 0; t < kReaders; t++) {
		EXPECT_EQ(bad[t], 0u) << "reader " << t;
		EXPECT_EQ(got[t] + lost[t], kRecords) << "reader " << t;
		EXPECT_GT(racing[t], 0u) << "reader " << t;
		EXPECT_EQ(final_rd[t].overruns, flagged[t]) << "reader " << t;
		EXPECT_EQ(final_rd[t].lost, lost[t]) << "reader " << t;
	}
	for (mxrt_ring *r : rings)
		mxrt_ring_destroy(r);
}

} // namespace
