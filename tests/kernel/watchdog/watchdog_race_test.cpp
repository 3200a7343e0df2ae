// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (Google Test; meant for the TSan build, also run under ASan/UBSan).
// Threads do to the core what CPUs do to it in the kernel: start/cancel/kick/set_timeout from several threads,
// one expiry thread with the clock moving, and remove/add churn, checking invariants that any lost
// update, torn state or use after remove would break.
#include <watchdog/watchdog_core.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "../lib/platform/platform_fake.hpp"
#include "wd_calls.hpp"

namespace {

constexpr uint64_t kMs = 1000000;

struct Guarded {
	std::atomic<bool> removed{false};
	std::atomic<int> calls_after_remove{0};
	std::atomic<long> calls{0};
};

void Recover(void *data, const mxrt_wd_expiry *) {
	auto *g = static_cast<Guarded *>(data);
	if (g->removed.load(std::memory_order_acquire))
		g->calls_after_remove.fetch_add(1);
	g->calls.fetch_add(1);
}

mxrt_u64 Now() { return mxrt::fake::Now(); }

mxrt_s64 Add(mxrt_wdcore *core, Guarded *g) {
	mxrt_wd_params p = {100, Recover, g, "race", nullptr, nullptr};
	return mxrt_wdcore_add(core, &p);
}

TEST(WatchdogRace, StartCancelKickRemoveAndExpireConcurrently) {
	mxrt_wdcore *core;
	ASSERT_EQ(mxrt_wdcore_create(&core), 0);
	constexpr int kThreads = 4;
	const auto kRun = std::chrono::milliseconds(1500);
	std::atomic<bool> stop{false};

	Guarded shared_g;
	mxrt_s64 shared = Add(core, &shared_g);
	ASSERT_GT(shared, 0);

	// Private watchdogs: every start that armed must be matched by a cancel that disarmed.
	std::vector<Guarded> own_g(kThreads);
	std::vector<mxrt_s64> own(kThreads);
	for (int i = 0; i < kThreads; i++)
		own[i] = Add(core, &own_g[i]);

	std::atomic<long> shared_started{0}, shared_cancelled{0}, errors{0};
	std::vector<long> own_started(kThreads), own_cancelled(kThreads);
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; t++) {
		threads.emplace_back([&, t] {
			while (!stop.load(std::memory_order_relaxed)) {
				int r = WdStart(core, shared, mxrt::fake::Now());
				shared_started += r >= 1;
				errors += r < 0;
				r = WdCancel(core, shared);
				shared_cancelled += r == 1;
				errors += r < 0;
				r = WdStart(core, own[t], mxrt::fake::Now());
				own_started[t] += r >= 1;
				errors += r < 1;
				if (t % 2 == 0) { // kick keeps it armed
					r = WdKick(core, own[t], mxrt::fake::Now());
					errors += r != 0 && r != 2;
				}
				r = WdCancel(core, own[t]);
				own_cancelled[t] += r == 1;
				errors += r != 1;
			}
		});
	}
	// The expiry thread, with time passing fast enough that watchdogs do expire.
	std::atomic<long> passes{0};
	threads.emplace_back([&] {
		while (!stop.load(std::memory_order_relaxed)) {
			mxrt::fake::Advance(7 * kMs);
			mxrt_wdcore_expire(core, Now);
			passes++;
		}
	});
	// set_timeout while the others start, kick and expire the same watchdogs (TSan: the timeout
	// words are atomics; every call must succeed on a live handle).
	std::atomic<long> timeouts_set{0};
	threads.emplace_back([&] {
		for (uint32_t i = 0; !stop.load(std::memory_order_relaxed); i++) {
			errors += WdSetTimeout(core, shared, 50 + i % 4 * 25) != 0;
			errors += WdSetTimeout(core, own[i % kThreads], 1 + i % 200) != 0;
			timeouts_set++;
		}
	});
	// Remove/add churn: a removed watchdog's callback must never run after remove() returned,
	// while another thread keeps using its (now stale) handle.
	std::atomic<long> churn{0}, stale_refused{0};
	std::atomic<mxrt_s64> victim{0};
	threads.emplace_back([&] {
		while (!stop.load(std::memory_order_relaxed)) {
			mxrt_s64 h = victim.load();
			if (h > 0 && WdStart(core, h, mxrt::fake::Now()) == -MXRT_ENOENT)
				stale_refused++;
		}
	});
	threads.emplace_back([&] {
		std::vector<Guarded> gs(400);
		for (size_t i = 0; i < gs.size() && !stop.load(); i++) {
			mxrt_s64 h = Add(core, &gs[i]);
			if (h <= 0) {
				errors++;
				break;
			}
			victim.store(h);
			WdStart(core, h, mxrt::fake::Now());
			std::this_thread::sleep_for(std::chrono::microseconds(200));
			EXPECT_EQ(mxrt_wdcore_remove(core, h, 0), 0);
			gs[i].removed.store(true, std::memory_order_release);
			churn++;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		for (auto &g : gs)
			EXPECT_EQ(g.calls_after_remove.load(), 0);
	});
	std::this_thread::sleep_for(kRun);
	stop = true;
	for (auto &th : threads)
		th.join();

	EXPECT_EQ(errors.load(), 0);
	for (int t = 0; t < kThreads; t++) {
		EXPECT_GT(own_started[t], 0);
		EXPECT_EQ(own_started[t], own_cancelled[t]) << "thread " << t;
	}
	int final_cancel = WdCancel(core, shared);
	EXPECT_EQ(shared_started.load(), shared_cancelled.load() + final_cancel);
	EXPECT_GT(passes.load(), 0);
	EXPECT_GT(churn.load(), 0);
	EXPECT_GT(stale_refused.load(), 0);
	EXPECT_GT(timeouts_set.load(), 0);
	mxrt_wdcore_remove(core, shared, 0);
	for (mxrt_s64 h : own)
		mxrt_wdcore_remove(core, h, 0);
	mxrt_wdcore_destroy(core);
}

} // namespace

namespace {

void Nothing(void *, const mxrt_wd_expiry *) {}

// The module notifier's remove_owner runs while the module's own code may still be removing its
// watchdogs (a driver's unbind on another CPU). A watchdog that the other side removes between
// remove_owner's scan and its remove() must not end the sweep: the owner's other watchdogs would
// stay registered, with recovery functions in a module that is being freed. The window (between
// the scan's unlock and remove()'s lock) is narrow: this stress test catches it only now and then.
TEST(WatchdogRace, RemoveOwnerRacingTheOwnersOwnRemovesRemovesEveryOne) {
	mxrt_wdcore *core;
	ASSERT_EQ(mxrt_wdcore_create(&core), 0);
	static const int kOwner = 0;
	constexpr int kPerOwner = 64;
	int left_behind = 0;
	for (int round = 0; round < 200 && left_behind == 0; round++) {
		std::vector<mxrt_s64> hs(kPerOwner);
		for (auto &h : hs) {
			mxrt_wd_params p = {100, Nothing, nullptr, "owned", &kOwner, "owner"};
			h = mxrt_wdcore_add(core, &p);
			ASSERT_GT(h, 0);
		}
		constexpr int kRemovers = 3;
		std::atomic<int> ready{0};
		std::atomic<bool> go{false};
		std::vector<std::thread> owner_side;
		for (int k = 0; k < kRemovers; k++)
			owner_side.emplace_back([&] {
				ready.fetch_add(1, std::memory_order_release);
				while (!go.load(std::memory_order_acquire)) {
				}
				for (mxrt_s64 h : hs) // remove_owner's scan order: they collide often
					mxrt_wdcore_remove(core, h, 0);
			});
		while (ready.load(std::memory_order_acquire) < kRemovers) {
		}
		go.store(true, std::memory_order_release);
		mxrt_wdcore_remove_owner(core, &kOwner, 0);
		for (auto &t : owner_side)
			t.join();
		mxrt_wd_stats st;
		mxrt_wdcore_stats(core, &st);
		left_behind = int(st.registered);
		for (mxrt_s64 h : hs) // clean up whatever was left, so the next round starts empty
			mxrt_wdcore_remove(core, h, 0);
	}
	EXPECT_EQ(left_behind, 0) << "remove_owner stopped early and left watchdogs registered";
	mxrt_wdcore_destroy(core);
}

} // namespace

namespace {

// Two remove() calls of one handle while its recovery runs: the first waits for the recovery, and
// so must the second (it returns -ENOENT, but only once the recovery is over: its caller may free
// what the recovery uses). The second used to return -ENOENT at once.
struct Held {
	std::atomic<bool> entered{false}, release{false}, finished{false};
};

void HoldUntilReleased(void *data, const mxrt_wd_expiry *) {
	auto *h = static_cast<Held *>(data);
	h->entered.store(true, std::memory_order_release);
	while (!h->release.load(std::memory_order_acquire))
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	h->finished.store(true, std::memory_order_release);
}

// The second one: remove() of the same handle, or remove_owner() of its module (the module
// notifier, while the module's own remove() waits).
void SecondRemoveWaits(bool by_owner) {
	static const int kOwner = 0;
	mxrt_wdcore *core;
	ASSERT_EQ(mxrt_wdcore_create(&core), 0);
	Held held;
	mxrt_wd_params p = {100, HoldUntilReleased, &held, "held", &kOwner, "owner"};
	const mxrt_s64 h = mxrt_wdcore_add(core, &p);
	ASSERT_GT(h, 0);
	ASSERT_GT(WdStart(core, h, mxrt::fake::Now()), 0);
	mxrt::fake::Advance(200 * kMs);
	std::thread expiry([&] { mxrt_wdcore_expire(core, Now); });
	while (!held.entered.load(std::memory_order_acquire))
		std::this_thread::yield();

	struct Removal {
		std::atomic<bool> started{false}, returned{false};
		int result = 1;
		bool recovery_over = false; // when it returned
	} r[2];
	std::vector<std::thread> removers;
	for (Removal &x : r)
		removers.emplace_back([&core, &held, &x, h, by_owner, first = &x == &r[0]] {
			x.started.store(true, std::memory_order_release);
			if (by_owner && !first) {
				// once the first remove() marked it dying (a start is refused; on a live,
				// expired watchdog it changes nothing), the module goes
				while (WdStart(core, h, mxrt::fake::Now()) != -MXRT_ENOENT)
					std::this_thread::yield();
				x.result = mxrt_wdcore_remove_owner(core, &kOwner, 0) == 0 ? -MXRT_ENOENT : 0;
			} else {
				x.result = mxrt_wdcore_remove(core, h, 0);
			}
			x.recovery_over = held.finished.load(std::memory_order_acquire);
			x.returned.store(true, std::memory_order_release);
		});
	while (!r[0].started.load(std::memory_order_acquire) || !r[1].started.load(std::memory_order_acquire))
		std::this_thread::yield();
	// Long enough for a remove() that does not wait to return (the old code's second one did, in
	// microseconds); a remove() that waits cannot return before the release below.
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	const bool any_returned_early = r[0].returned.load() || r[1].returned.load();
	held.release.store(true, std::memory_order_release);
	for (auto &t : removers)
		t.join();
	expiry.join();
	EXPECT_FALSE(any_returned_early) << "a remove() returned while the recovery was still running";
	for (const Removal &x : r)
		EXPECT_TRUE(x.recovery_over) << "remove() returned " << x.result << " before the recovery ended";
	EXPECT_TRUE((r[0].result == 0 && r[1].result == -MXRT_ENOENT) || (r[1].result == 0 && r[0].result == -MXRT_ENOENT))
		<< r[0].result << " " << r[1].result;
	mxrt_wdcore_destroy(core);
}

TEST(WatchdogRace, ASecondRemoveAlsoWaitsForTheRunningRecovery) { SecondRemoveWaits(false); }

// The module notifier's sweep found the module's last watchdog dying (its own remove() waiting):
// it returned at once, and the module's text could be freed under the running recovery.
TEST(WatchdogRace, RemoveOwnerWaitsForARecoveryAnotherRemoveWaitsFor) { SecondRemoveWaits(true); }

// A recovery that removes its own watchdog (allowed: from the expiry thread) and then goes on
// running. The driver's remove() of the same handle, or its module's unload sweep, found nothing
// registered and returned at once: the caller freed the data (KASAN: use-after-free in the
// recovery) or the module (an Oops in the expiry thread) under the running callback. Both now
// return only once that recovery is over.
struct SelfRemoved {
	mxrt_wdcore *core = nullptr;
	mxrt_s64 h = 0;
	int removed = 1; // what the recovery's own remove() returned
	Held held;
};

void RemoveSelfThenRunOn(void *data, const mxrt_wd_expiry *e) {
	auto *s = static_cast<SelfRemoved *>(data);
	s->removed = mxrt_wdcore_remove(s->core, e->wd, 1); // from the expiry thread
	HoldUntilReleased(&s->held, e);
}

void RemoveAfterSelfRemovalWaits(bool by_owner) {
	static const int kOwner = 0;
	SelfRemoved s;
	ASSERT_EQ(mxrt_wdcore_create(&s.core), 0);
	mxrt_wd_params p = {100, RemoveSelfThenRunOn, &s, "self", &kOwner, "owner"};
	s.h = mxrt_wdcore_add(s.core, &p);
	ASSERT_GT(s.h, 0);
	ASSERT_GT(WdStart(s.core, s.h, mxrt::fake::Now()), 0);
	mxrt::fake::Advance(200 * kMs);
	std::thread expiry([&] { mxrt_wdcore_expire(s.core, Now); });
	while (!s.held.entered.load(std::memory_order_acquire))
		std::this_thread::yield();
	std::atomic<bool> returned{false};
	bool recovery_over = false;
	int result = 1;
	std::thread remover([&] {
		result = by_owner ? int(mxrt_wdcore_remove_owner(s.core, &kOwner, 0)) : mxrt_wdcore_remove(s.core, s.h, 0);
		recovery_over = s.held.finished.load(std::memory_order_acquire);
		returned.store(true, std::memory_order_release);
	});
	// Long enough for a call that does not wait to return (the old code did, in microseconds);
	// one that waits cannot return before the release below.
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	const bool returned_early = returned.load();
	s.held.release.store(true, std::memory_order_release);
	remover.join();
	expiry.join();
	EXPECT_EQ(s.removed, 0) << "the recovery's own remove()";
	EXPECT_FALSE(returned_early) << "it returned while the recovery was still running";
	EXPECT_TRUE(recovery_over);
	EXPECT_EQ(result, by_owner ? 0 : -MXRT_ENOENT) << "nothing of the owner's was registered any more";
	mxrt_wdcore_destroy(s.core);
}

// The unload sweep goes on from the last watchdog it found (it went back to slot 0 for each one:
// quadratic), so one of the owner's added meanwhile in a slot behind it is found only by its last
// scan from 0. The sweep is held in its first remove() (waiting for a running recovery) while the
// owner adds one, which takes the freed slot 0, behind the sweep's position.
TEST(WatchdogRace, TheUnloadSweepFindsOneAddedBehindIt) {
	static const int kA = 0, kB = 0, kC = 0;
	mxrt_wdcore *core;
	ASSERT_EQ(mxrt_wdcore_create(&core), 0);
	Held held;
	mxrt_wd_params pb = {100, HoldUntilReleased, &held, "b", &kB, "b"};
	const mxrt_s64 b = mxrt_wdcore_add(core, &pb); // slot 0, freed below
	mxrt_wd_params pa = {100, HoldUntilReleased, &held, "a", &kA, "a"};
	for (int i = 0; i < 5; i++) // slots 1..5
		ASSERT_GT(mxrt_wdcore_add(core, &pa), 0);
	mxrt_wd_params pc = {100, HoldUntilReleased, &held, "c", &kC, "c"};
	const mxrt_s64 c = mxrt_wdcore_add(core, &pc); // slot 6: its recovery holds the pass
	ASSERT_EQ(mxrt_wdcore_remove(core, b, 0), 0);
	ASSERT_GT(WdStart(core, c, mxrt::fake::Now()), 0);
	mxrt::fake::Advance(200 * kMs);
	std::thread expiry([&] { mxrt_wdcore_expire(core, Now); });
	while (!held.entered.load(std::memory_order_acquire))
		std::this_thread::yield();
	mxrt_u32 swept = 0;
	std::thread sweep([&] { swept = mxrt_wdcore_remove_owner(core, &kA, 0); });
	std::this_thread::sleep_for(std::chrono::milliseconds(50)); // in its first remove(), waiting
	const mxrt_s64 late = mxrt_wdcore_add(core, &pa);
	ASSERT_GT(late, 0);
	EXPECT_EQ(mxrt_u64(late) & 0xfffff, 1u) << "the late one was to take slot 0, behind the sweep";
	held.release.store(true, std::memory_order_release);
	sweep.join();
	expiry.join();
	EXPECT_EQ(swept, 6u) << "the five and the one added behind the sweep";
	EXPECT_EQ(WdStart(core, late, mxrt::fake::Now()), -MXRT_ENOENT) << "the late one is still registered";
	EXPECT_EQ(mxrt_wdcore_remove(core, c, 0), 0);
	mxrt_wdcore_destroy(core);
}

TEST(WatchdogRace, ARemoveAfterTheRecoveryRemovedItsOwnWaitsForIt) { RemoveAfterSelfRemovalWaits(false); }
TEST(WatchdogRace, TheUnloadSweepWaitsForARecoveryThatRemovedItsOwn) { RemoveAfterSelfRemovalWaits(true); }

} // namespace
