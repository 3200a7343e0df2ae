// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (mxrt_watchdog.ko) and user space (unit tests against tests/kernel/lib/platform).
//
// The watchdog table and its lock-free state machine.
//
// Design
//   Each watchdog is a Slot in a table of 64-slot chunks. Chunks are allocated on demand by add() and
//   freed only when the table is destroyed, so a slot's memory outlives every handle to it: a stale
//   handle reads a live slot and is refused by its generation, never touches freed memory.
//
//   A handle is (generation << 20) | (index + 1). A slot's `tag_` holds (generation << 2) | state,
//   state being free, live or dying. remove() moves live -> dying (new calls are refused), disarms
//   it, waits for a running expiry pass (which re-checks the tag before each callback), bumps the
//   generation and puts the slot in `limbo`. It does not wait for an RCU grace period: a
//   start/kick/cancel that saw the slot live just before may still write its deadline, which is
//   harmless in a non-live slot (expire() and info() skip those). What must not happen is such a
//   late write landing in the slot's next life, so a slot leaves limbo for reuse only after a polled
//   RCU grace period (started at remove) has completed: by then every such call has returned. This
//   keeps remove() cheap (removing 10,000 watchdogs one by one would otherwise wait for 10,000 grace
//   periods).
//
//   `deadline_` is the whole arm state in one word: 0 = idle, otherwise the due time in ns with bit 0
//   set once it has expired (recovery repeating). start = CAS 0 -> due; cancel = exchange 0;
//   kick = exchange due. Only atomics, inside the caller's RCU read-side section (the kernel glue
//   disables preemption around the call, which RCU counts as a reader): any context.
//
//   Timer: the caller arms one timer at earliest(). A start whose deadline is earlier than the timer's
//   lowers `earliest_` and tells the caller to re-arm (rare: only when the new deadline is the
//   earliest). cancel never touches the timer: a timer left armed after the last cancel fires once,
//   finds nothing due and stays disarmed (no further wake-ups while nothing is armed). This keeps
//   start+cancel free of timer programming, which is what makes it cheaper than an hrtimer pair.
//
//   Expiry: expire() runs in one sleepable thread. It resets `earliest_` to NEVER, scans all slots,
//   runs the recovery of each due watchdog (outside any lock but the expiry mutex), schedules its next
//   recovery one timeout later on the deadline grid, and publishes the minimum next deadline.
//
// Memory ordering
//   (A) start/kick: seq_cst RMW on deadline_, then seq_cst load of earliest_.
//   (B) expire: seq_cst store earliest_ = NEVER, then seq_cst load of each deadline_.
//   This is the store-buffer pattern: with all four seq_cst, either start sees NEVER (and re-arms the
//   timer itself) or the scan sees the new deadline (and includes it in the next deadline). Neither
//   side can miss the other, so no armed watchdog is ever left without a timer.
//   (C) tag_ live is published with release after the slot's fields are written (add), and read with
//   acquire before the fields are used (start, expire, info).

#include <watchdog/watchdog_core.h>
#include <lib/kstd/atomic.hpp>
#include <lib/platform/platform.hpp>

namespace mxrt::wd {
namespace {

constexpr u32 kSlotsPerChunk = 64;
constexpr u32 kMaxChunks = MXRT_WD_MAX_ITEMS / kSlotsPerChunk;
constexpr u32 kIndexBits = 20;
constexpr u64 kIndexMask = (u64{1} << kIndexBits) - 1;
constexpr u32 kGenBits = 30;
constexpr u32 kGenMask = (u32{1} << kGenBits) - 1;
constexpr u32 kNoSlot = ~u32{0};
constexpr u64 kExpiredBit = 1;
constexpr u64 kNever = MXRT_WD_NEVER;
constexpr u64 kNsPerMs = 1000000;
// A caller's `now` beyond this (146 years of uptime) is no clock reading: refused, so that
// now + timeout can neither wrap nor reach kNever.
constexpr u64 kMaxNowNs = u64{1} << 62;

// The expiry count a recovery sees: 1 at the first expiry after a start, kick or cancel, one more
// at each repeat, and then it stays at its largest (2^32 - 1, 49.7 days of repeats at 1 ms)
// rather than wrap to 0 and then 1, which a recovery would take for a fresh start.
constexpr u32 NextCount(u32 count, bool repeat) { return !repeat ? 1 : count == ~u32{0} ? count : count + 1; }
static_assert(NextCount(0, false) == 1 && NextCount(7, false) == 1 && NextCount(1, true) == 2);
static_assert(NextCount(~u32{0} - 1, true) == ~u32{0} && NextCount(~u32{0}, true) == ~u32{0});

static_assert(MXRT_WD_MAX_ITEMS % kSlotsPerChunk == 0);
static_assert(MXRT_WD_MAX_ITEMS <= kIndexMask);

enum class SlotState : u32 { kFree = 0, kLive = 1, kDying = 2 };

constexpr u32 MakeTag(u32 gen, SlotState s) { return (gen & kGenMask) << 2 | static_cast<u32>(s); }
constexpr SlotState TagState(u32 tag) { return static_cast<SlotState>(tag & 3); }
constexpr u32 TagGen(u32 tag) { return tag >> 2; }
constexpr s64 MakeHandle(u32 gen, u32 index) {
	return static_cast<s64>((u64{gen} << kIndexBits) | (u64{index} + 1));
}

// One watchdog. Aligned to cache lines so that start/cancel on different watchdogs from different
// CPUs do not false-share.
struct alignas(kCacheLine) Slot {
	Atomic<u64> deadline_;        // 0 idle; due ns | kExpiredBit
	Atomic<u32> tag_;             // generation << 2 | SlotState
	u32 next_free_;               // free list / limbo link; table mutex
	u64 gp_cookie_;               // in limbo: the grace period to wait for; table mutex
	// Written by add() before tag_ goes live; set_timeout() may change them while live (each is
	// a value of its own: relaxed, read once per start, kick or expiry).
	Atomic<u64> timeout_ns_;
	Atomic<u32> timeout_ms_;
	u32 count_;                   // consecutive expiries since start; expiry thread only
	// Written by add() before tag_ goes live, constant while live.
	mxrt_wd_recovery_fn fn_;
	void *data_;
	const void *owner_;
	char name_[MXRT_WD_NAME_LEN];
	char owner_name_[MXRT_WD_NAME_LEN];
	// Statistics: written by the expiry thread, read by info().
	Atomic<u64> expiries_;
	Atomic<u64> last_delay_ns_;
	Atomic<u64> max_delay_ns_;
};
static_assert(sizeof(Slot) % kCacheLine == 0);

struct Chunk {
	Slot slots[kSlotsPerChunk];
};

} // namespace

class Table : Pinned {
public:
	static Result<Table *> Create() {
		Table *t = TRY(New<Table>(Gfp::kKernel));
		MXRT_MUTEX_INIT(t->table_mu_, "mxrt_wd_table", LockRank::kWatchdogTable);
		MXRT_MUTEX_INIT(t->expiry_mu_, "mxrt_wd_expiry", LockRank::kWatchdogExpiry);
		return t;
	}

	~Table() {
		u32 n = nchunks_.Load(MemoryOrder::kAcquire);
		if (registered_ != 0)
			mxrt_shim_log(MXRT_LOG_WARN, "watchdog table destroyed with %u watchdogs registered\n",
				      registered_);
		for (u32 c = 0; c < n; c++)
			Delete(chunks_[c].Load(MemoryOrder::kRelaxed));
	}

	s64 Add(const mxrt_wd_params &p) {
		mxrt_shim_might_sleep();
		const char *name = p.name != nullptr ? p.name : "(unnamed)";
		if (p.fn == nullptr) {
			mxrt_shim_log(MXRT_LOG_ERR, "watchdog '%s': no recovery function\n", name);
			return -MXRT_EINVAL;
		}
		if (!TimeoutValid(p.timeout_ms)) {
			mxrt_shim_log(MXRT_LOG_ERR,
				      "watchdog '%s': timeout %u ms is outside %u..%u ms; refused\n", name,
				      p.timeout_ms, MXRT_WD_MIN_TIMEOUT_MS, MXRT_WD_MAX_TIMEOUT_MS);
			return -MXRT_EINVAL;
		}
		Guard<Mutex> g(table_mu_);
		Result<u32> taken = TakeSlotLocked();
		if (!taken.Ok())
			return taken.ErrorCode();
		const u32 index = taken.Value();
		Slot *s = SlotAt(index);
		s->deadline_.Store(0, MemoryOrder::kRelaxed);
		s->timeout_ms_.Store(p.timeout_ms, MemoryOrder::kRelaxed);
		s->timeout_ns_.Store(u64{p.timeout_ms} * kNsPerMs, MemoryOrder::kRelaxed);
		s->count_ = 0;
		s->fn_ = p.fn;
		s->data_ = p.data;
		s->owner_ = p.owner;
		CopyString(s->name_, sizeof(s->name_), name);
		CopyString(s->owner_name_, sizeof(s->owner_name_), p.owner_name != nullptr ? p.owner_name : "-");
		s->expiries_.Store(0, MemoryOrder::kRelaxed);
		s->last_delay_ns_.Store(0, MemoryOrder::kRelaxed);
		s->max_delay_ns_.Store(0, MemoryOrder::kRelaxed);
		u32 gen = TagGen(s->tag_.Load(MemoryOrder::kRelaxed));
		// Release: the fields above are visible to whoever acquires the live tag (C).
		s->tag_.Store(MakeTag(gen, SlotState::kLive), MemoryOrder::kRelease);
		registered_++;
		return MakeHandle(gen, index);
	}

	int Remove(s64 wd, bool in_expiry_thread) {
		mxrt_shim_might_sleep();
		Slot *s = nullptr;
		u32 gen = 0;
		int err = 0;
		{
			Guard<Mutex> g(table_mu_);
			Result<Slot *> found = Lookup(wd);
			if (!found.Ok()) {
				err = found.ErrorCode();
			} else {
				s = found.Value();
				gen = TagGen(s->tag_.Load(MemoryOrder::kRelaxed));
				// New start/kick/cancel calls are refused from here on.
				s->tag_.Store(MakeTag(gen, SlotState::kDying), MemoryOrder::kRelease);
			}
		}
		if (err) {
			// No longer registered, but its recovery may still be running: another remove()
			// of this handle waits for it, or the recovery removed its own watchdog and went
			// on (sleeping, logging, using its data). Either way this one waits for the pass
			// under way too (at most one), so that when any remove() returns the recovery is
			// not running. It used to return -ENOENT at once in the second case, and its
			// caller freed the data (KASAN: use-after-free) or its module (an Oops in the
			// expiry thread) under the running callback.
			if (!in_expiry_thread) {
				Guard<Mutex> e(expiry_mu_);
			}
			return err;
		}
		s->deadline_.Store(0, MemoryOrder::kRelaxed);
		if (!in_expiry_thread) {
			// A pass may be inside this watchdog's callback: wait for it. From the expiry thread
			// itself the pass is our caller; it re-checks the tag before every callback.
			Guard<Mutex> g(expiry_mu_);
		}
		Guard<Mutex> g(table_mu_);
		u32 index = static_cast<u32>((static_cast<u64>(wd) & kIndexMask) - 1);
		registered_--;
		if (gen >= last_gen_) {
			// The last generation a handle can name: reused, the slot's next life would be
			// generation 0 again, and a stale handle of its first life would name it. Retired
			// for good instead (one slot in 2^30 lives of it), its tag free: refused.
			s->tag_.Store(MakeTag(gen, SlotState::kFree), MemoryOrder::kRelease);
			retired_++;
			return 0;
		}
		s->tag_.Store(MakeTag(gen + 1, SlotState::kFree), MemoryOrder::kRelease);
		// Calls that saw it live ran in RCU read-side sections: reuse only after a grace period.
		s->gp_cookie_ = mxrt_shim_rcu_gp_start();
		s->next_free_ = kNoSlot;
		if (limbo_tail_ == kNoSlot)
			limbo_head_ = index;
		else
			SlotAt(limbo_tail_)->next_free_ = index;
		limbo_tail_ = index;
		return 0;
	}

	u32 RemoveOwner(const void *owner, bool in_expiry_thread) {
		u32 removed = 0;
		// The scan goes on from the last one found (it went back to slot 0 for each: 18 s to
		// sweep 65536); a last scan from 0 finds any added behind it meanwhile.
		u32 from = 0;
		for (;;) {
			s64 wd = 0;
			{
				Guard<Mutex> g(table_mu_);
				u32 cap = nchunks_.Load(MemoryOrder::kRelaxed) * kSlotsPerChunk;
				for (u32 i = from; i < cap && wd == 0; i++) {
					Slot *s = SlotAt(i);
					u32 tag = s->tag_.Load(MemoryOrder::kRelaxed);
					if (s->owner_ == owner && TagState(tag) == SlotState::kLive) {
						wd = MakeHandle(TagGen(tag), i);
						from = i + 1;
					}
				}
			}
			if (wd == 0 && from != 0) {
				from = 0;
				continue;
			}
			if (wd == 0) {
				// None of the owner's is registered any more, but a recovery of one may still
				// run: one being removed elsewhere (its module's own remove(), waiting for
				// it), or one that removed its own watchdog and went on. The sweep waits for
				// the pass under way, or the module's text could go while that recovery runs
				// in it (an Oops in the expiry thread).
				if (!in_expiry_thread) {
					Guard<Mutex> e(expiry_mu_);
				}
				return removed;
			}
			// -ENOENT: someone else removed it after the scan (its owner, on another CPU).
			// Not the end of the sweep: the owner's other watchdogs must go too, and the
			// scan does not find this one again (it is no longer live).
			if (Remove(wd, in_expiry_thread) == 0)
				removed++;
		}
	}

	int Start(s64 wd, u64 now) {
		Result<Slot *> found = Lookup(wd);
		if (!found.Ok())
			return found.ErrorCode();
		if (now > kMaxNowNs)
			return -MXRT_EINVAL;
		Slot *s = found.Value();
		u64 due = Due(now, s->timeout_ns_.Load(MemoryOrder::kRelaxed));
		u64 idle = 0;
		// (A) seq_cst: pairs with the seq_cst store of earliest_ and load of deadline_ in Expire().
		if (!s->deadline_.CompareExchange(idle, due, MemoryOrder::kSeqCst, MemoryOrder::kRelaxed))
			return 0; // start-once: an armed watchdog keeps its deadline
		return MXRT_WD_WAS_IDLE | (LowerEarliest(due) ? MXRT_WD_REPROGRAM : 0);
	}

	int Kick(s64 wd, u64 now) {
		Result<Slot *> found = Lookup(wd);
		if (!found.Ok())
			return found.ErrorCode();
		if (now > kMaxNowNs)
			return -MXRT_EINVAL;
		Slot *s = found.Value();
		u64 due = Due(now, s->timeout_ns_.Load(MemoryOrder::kRelaxed));
		// (A) as in Start().
		u64 old = s->deadline_.Exchange(due, MemoryOrder::kSeqCst);
		// Whether it was idle and whether the timer must move are separate answers: an armed
		// watchdog kicked while an expiry pass runs (earliest_ is kNever then) needs the timer too.
		return (old == 0 ? MXRT_WD_WAS_IDLE : 0) | (LowerEarliest(due) ? MXRT_WD_REPROGRAM : 0);
	}

	int Cancel(s64 wd) {
		Result<Slot *> found = Lookup(wd);
		if (!found.Ok())
			return found.ErrorCode();
		Slot *s = found.Value();
		// Relaxed is enough: cancel publishes nothing, and a pass that still sees the old
		// deadline re-checks it with a CAS before running the callback.
		return s->deadline_.Exchange(0, MemoryOrder::kRelaxed) != 0 ? 1 : 0;
	}

	// A new timeout for the next start, kick and repeat; an armed deadline stays where it is.
	int SetTimeout(s64 wd, u32 timeout_ms) {
		Result<Slot *> found = Lookup(wd);
		if (!found.Ok())
			return found.ErrorCode();
		if (!TimeoutValid(timeout_ms))
			return -MXRT_EINVAL;
		Slot *s = found.Value();
		// Relaxed: each field is a value of its own; a start racing this call uses the old or
		// the new timeout, either of which the caller asked for.
		s->timeout_ms_.Store(timeout_ms, MemoryOrder::kRelaxed);
		s->timeout_ns_.Store(u64{timeout_ms} * kNsPerMs, MemoryOrder::kRelaxed);
		return 0;
	}

	u64 Earliest() const { return earliest_.value.Load(MemoryOrder::kSeqCst); }

	u64 Expire(u64 (*now_fn)()) {
		mxrt_shim_might_sleep();
		Guard<Mutex> g(expiry_mu_);
		passes_.Store(passes_.Load(MemoryOrder::kRelaxed) + 1, MemoryOrder::kRelaxed);
		// (B) seq_cst: pairs with (A) in Start()/Kick().
		earliest_.value.Store(kNever, MemoryOrder::kSeqCst);
		u64 next = kNever;
		u64 now = now_fn();
		u32 cap = nchunks_.Load(MemoryOrder::kAcquire) * kSlotsPerChunk;
		for (u32 i = 0; i < cap; i++) {
			Slot *s = SlotAt(i);
			u32 tag = s->tag_.Load(MemoryOrder::kAcquire); // (C)
			if (TagState(tag) != SlotState::kLive)
				continue;
			u64 d = s->deadline_.Load(MemoryOrder::kSeqCst); // (B)
			if (d == 0)
				continue;
			u64 due = d & ~kExpiredBit;
			if (due > now) {
				next = Min(next, due);
				continue;
			}
			u64 repeat = NextOnGrid(due, s->timeout_ns_.Load(MemoryOrder::kRelaxed), now);
			// A concurrent cancel or kick wins: then nothing is due here.
			if (!s->deadline_.CompareExchange(d, repeat | kExpiredBit, MemoryOrder::kSeqCst,
							  MemoryOrder::kSeqCst)) {
				if (d != 0)
					next = Min(next, d & ~kExpiredBit);
				continue;
			}
			s->count_ = NextCount(s->count_, (d & kExpiredBit) != 0);
			u64 delay = now - due;
			s->expiries_.Store(s->expiries_.Load(MemoryOrder::kRelaxed) + 1, MemoryOrder::kRelaxed);
			s->last_delay_ns_.Store(delay, MemoryOrder::kRelaxed);
			s->max_delay_ns_.FetchMax(delay, MemoryOrder::kRelaxed);
			mxrt_wd_expiry e = {MakeHandle(TagGen(tag), i), due, now, s->count_};
			s->fn_(s->data_, &e);
			recoveries_.Store(recoveries_.Load(MemoryOrder::kRelaxed) + 1, MemoryOrder::kRelaxed);
			now = now_fn();
			next = Min(next, NextAfterCallback(s, tag, repeat, now));
		}
		LowerEarliest(next);
		return Earliest();
	}

	int Info(u32 index, mxrt_wd_info *out) {
		Guard<Mutex> g(table_mu_);
		if (index >= nchunks_.Load(MemoryOrder::kRelaxed) * kSlotsPerChunk)
			return -MXRT_ENOENT;
		Slot *s = SlotAt(index);
		u32 tag = s->tag_.Load(MemoryOrder::kAcquire);
		if (TagState(tag) != SlotState::kLive)
			return 0;
		u64 d = s->deadline_.Load(MemoryOrder::kRelaxed);
		out->wd = MakeHandle(TagGen(tag), index);
		CopyString(out->name, sizeof(out->name), s->name_);
		CopyString(out->owner_name, sizeof(out->owner_name), s->owner_name_);
		out->timeout_ms = s->timeout_ms_.Load(MemoryOrder::kRelaxed);
		out->state = d == 0 ? MXRT_WD_IDLE : (d & kExpiredBit) ? MXRT_WD_EXPIRED : MXRT_WD_ARMED;
		out->deadline_ns = d & ~kExpiredBit;
		out->expiries = s->expiries_.Load(MemoryOrder::kRelaxed);
		out->last_delay_ns = s->last_delay_ns_.Load(MemoryOrder::kRelaxed);
		out->max_delay_ns = s->max_delay_ns_.Load(MemoryOrder::kRelaxed);
		return 1;
	}

	void TestLastGen(u32 gen) {
		Guard<Mutex> g(table_mu_);
		last_gen_ = gen < kGenMask ? gen : kGenMask;
	}

	void Stats(mxrt_wd_stats *out) {
		Guard<Mutex> g(table_mu_);
		out->registered = registered_;
		out->retired = retired_;
		out->capacity = nchunks_.Load(MemoryOrder::kRelaxed) * kSlotsPerChunk;
		out->passes = passes_.Load(MemoryOrder::kRelaxed);
		out->recoveries = recoveries_.Load(MemoryOrder::kRelaxed);
		out->reprograms = reprograms_.Load(MemoryOrder::kRelaxed);
		// The next deadline is the earliest among the armed watchdogs, read from the slots: the
		// timer's target (earliest_) is not lowered by a cancel or a removal, so after them it
		// can name a deadline nothing has any more (it fires once, finds nothing, and is not
		// re-armed). Both are shown. A slow path: one scan of the table.
		u64 next = kNever;
		const u32 cap = nchunks_.Load(MemoryOrder::kRelaxed) * kSlotsPerChunk;
		for (u32 i = 0; i < cap; i++) {
			Slot *s = SlotAt(i);
			if (TagState(s->tag_.Load(MemoryOrder::kAcquire)) != SlotState::kLive)
				continue;
			const u64 d = s->deadline_.Load(MemoryOrder::kRelaxed);
			if (d != 0)
				next = Min(next, d & ~kExpiredBit);
		}
		out->earliest_ns = next;
		out->timer_ns = Earliest();
	}

private:
	static bool TimeoutValid(u32 ms) { return ms >= MXRT_WD_MIN_TIMEOUT_MS && ms <= MXRT_WD_MAX_TIMEOUT_MS; }

	// The first point of the grid from + k * t (k >= 1) after now: missed intervals are skipped.
	static u64 NextOnGrid(u64 from, u64 t, u64 now) {
		u64 next = from + t;
		if (next <= now)
			next += ((now - next) / t + 1) * t;
		return next;
	}

	// Rounds up to an even number: bit 0 of a deadline is the expired flag.
	static u64 Due(u64 now, u64 timeout) { return (now + timeout + 1) & ~kExpiredBit; }

	// After a callback (which may have slept, cancelled, kicked or removed its watchdog): the
	// deadline the timer must honour for this slot, or kNever. A repeat that the callback overran
	// moves along the grid, so a slow recovery is not followed by an immediate catch-up call.
	static u64 NextAfterCallback(Slot *s, u32 tag, u64 repeat, u64 now) {
		if (s->tag_.Load(MemoryOrder::kAcquire) != tag)
			return kNever; // removed (perhaps by itself)
		u64 d = s->deadline_.Load(MemoryOrder::kSeqCst);
		if (d == (repeat | kExpiredBit) && repeat <= now) {
			u64 moved = NextOnGrid(repeat, s->timeout_ns_.Load(MemoryOrder::kRelaxed), now);
			// Lost to a concurrent cancel or kick: then d holds their value.
			if (s->deadline_.CompareExchange(d, moved | kExpiredBit, MemoryOrder::kSeqCst,
							 MemoryOrder::kSeqCst))
				return moved;
		}
		return d == 0 ? kNever : d & ~kExpiredBit;
	}

	bool LowerEarliest(u64 due) {
		if (!earliest_.value.FetchMin(due, MemoryOrder::kSeqCst))
			return false;
		reprograms_.FetchAdd(1, MemoryOrder::kRelaxed);
		return true;
	}

	Slot *SlotAt(u32 index) const {
		// Acquire pairs with the release publication of the chunk in GrowLocked().
		Chunk *c = chunks_[index / kSlotsPerChunk].Load(MemoryOrder::kAcquire);
		return &c->slots[index % kSlotsPerChunk];
	}

	// Caller is inside an RCU read-side section (start/kick/cancel: see watchdog_core.h) or holds
	// table_mu_.
	// The live slot of a handle; -EINVAL for a malformed handle, -ENOENT for a stale one.
	Result<Slot *> Lookup(s64 wd) const { return Find(wd, SlotState::kLive); }

	// The slot of a handle if it is in @state (kDying: another remove() marked it and has not
	// freed it yet); -EINVAL for a malformed handle, -ENOENT otherwise. Locking as Lookup.
	Result<Slot *> Find(s64 wd, SlotState state) const {
		if (wd <= 0)
			return Error(-MXRT_EINVAL);
		u64 raw = static_cast<u64>(wd);
		u64 index = (raw & kIndexMask) - 1;
		u64 gen = raw >> kIndexBits;
		if ((raw & kIndexMask) == 0 || gen > kGenMask)
			return Error(-MXRT_EINVAL);
		if (index >= u64{nchunks_.Load(MemoryOrder::kAcquire)} * kSlotsPerChunk)
			return Error(-MXRT_ENOENT);
		Slot *s = SlotAt(static_cast<u32>(index));
		if (s->tag_.Load(MemoryOrder::kAcquire) != MakeTag(static_cast<u32>(gen), state))
			return Error(-MXRT_ENOENT);
		return s;
	}

	// A slot for add(): the oldest slot in limbo whose grace period is over, else a never-used or
	// reused one from the free list, else a new chunk, else (table at its maximum) wait for the
	// oldest limbo slot's grace period (sleeps with table_mu_ held: only add() waits on it).
	Result<u32> TakeSlotLocked() MXRT_REQUIRES(table_mu_) {
		table_mu_.AssertHeld();
		bool limbo_ready = limbo_head_ != kNoSlot && mxrt_shim_rcu_gp_done(SlotAt(limbo_head_)->gp_cookie_);
		if (!limbo_ready && free_head_ == kNoSlot) {
			Result<void> grown = GrowLocked();
			if (grown.ErrorCode() == -MXRT_ENOSPC && limbo_head_ != kNoSlot) {
				mxrt_shim_rcu_gp_wait(SlotAt(limbo_head_)->gp_cookie_);
				limbo_ready = true;
			} else if (!grown.Ok()) {
				return Error(grown.ErrorCode());
			}
		}
		u32 index;
		if (limbo_ready) {
			index = limbo_head_;
			limbo_head_ = SlotAt(index)->next_free_;
			if (limbo_head_ == kNoSlot)
				limbo_tail_ = kNoSlot;
		} else {
			index = free_head_;
			free_head_ = SlotAt(index)->next_free_;
		}
		SlotAt(index)->next_free_ = kNoSlot;
		return Ok(index);
	}

	Result<void> GrowLocked() MXRT_REQUIRES(table_mu_) {
		table_mu_.AssertHeld();
		u32 n = nchunks_.Load(MemoryOrder::kRelaxed);
		if (n == kMaxChunks) {
			if (limbo_head_ == kNoSlot)
				mxrt_shim_log(MXRT_LOG_ERR, "watchdog table full (%u watchdogs)\n",
					      MXRT_WD_MAX_ITEMS);
			return Error(-MXRT_ENOSPC);
		}
		Chunk *c = TRY(New<Chunk>(Gfp::kKernel));
		for (u32 i = 0; i < kSlotsPerChunk; i++)
			c->slots[i].next_free_ = i + 1 < kSlotsPerChunk ? n * kSlotsPerChunk + i + 1 : kNoSlot;
		chunks_[n].Store(c, MemoryOrder::kRelease);
		nchunks_.Store(n + 1, MemoryOrder::kRelease);
		free_head_ = n * kSlotsPerChunk;
		return {};
	}

	Mutex table_mu_;
	Mutex expiry_mu_;
	u32 free_head_ MXRT_GUARDED_BY(table_mu_) = kNoSlot;
	u32 limbo_head_ MXRT_GUARDED_BY(table_mu_) = kNoSlot; // removed, oldest first
	u32 limbo_tail_ MXRT_GUARDED_BY(table_mu_) = kNoSlot;
	u32 registered_ MXRT_GUARDED_BY(table_mu_) = 0;
	u32 retired_ MXRT_GUARDED_BY(table_mu_) = 0;     // slots whose generations ran out (Remove)
	u32 last_gen_ MXRT_GUARDED_BY(table_mu_) = kGenMask; // lower only in tests (mxrt_wdcore_test_last_gen)
	Atomic<u32> nchunks_;
	Atomic<u64> passes_;
	Atomic<u64> recoveries_;
	Atomic<u64> reprograms_;
	CacheLinePadded<Atomic<u64>> earliest_{Atomic<u64>(kNever)};
	Atomic<Chunk *> chunks_[kMaxChunks];
};

} // namespace mxrt::wd

using mxrt::wd::Table;

// struct mxrt_wdcore stays incomplete: the C side holds an opaque pointer that is a Table.
static Table *T(mxrt_wdcore *core) { return reinterpret_cast<Table *>(core); }

extern "C" {

int mxrt_wdcore_create(mxrt_wdcore **out) {
	kstd::Result<Table *> t = Table::Create();
	if (!t.Ok())
		return t.ErrorCode();
	*out = reinterpret_cast<mxrt_wdcore *>(t.Value());
	return 0;
}

void mxrt_wdcore_destroy(mxrt_wdcore *core) { mxrt::Delete(T(core)); }

mxrt_s64 mxrt_wdcore_add(mxrt_wdcore *core, const mxrt_wd_params *p) { return T(core)->Add(*p); }

int mxrt_wdcore_remove(mxrt_wdcore *core, mxrt_s64 wd, int in_expiry_thread) {
	return T(core)->Remove(wd, in_expiry_thread != 0);
}

mxrt_u32 mxrt_wdcore_remove_owner(mxrt_wdcore *core, const void *owner, int in_expiry_thread) {
	return T(core)->RemoveOwner(owner, in_expiry_thread != 0);
}

int mxrt_wdcore_start(mxrt_wdcore *core, mxrt_s64 wd, mxrt_u64 now_ns) { return T(core)->Start(wd, now_ns); }
int mxrt_wdcore_kick(mxrt_wdcore *core, mxrt_s64 wd, mxrt_u64 now_ns) { return T(core)->Kick(wd, now_ns); }
int mxrt_wdcore_cancel(mxrt_wdcore *core, mxrt_s64 wd) { return T(core)->Cancel(wd); }
int mxrt_wdcore_set_timeout(mxrt_wdcore *core, mxrt_s64 wd, mxrt_u32 timeout_ms) {
	return T(core)->SetTimeout(wd, timeout_ms);
}
mxrt_u64 mxrt_wdcore_earliest(mxrt_wdcore *core) { return T(core)->Earliest(); }
mxrt_u64 mxrt_wdcore_expire(mxrt_wdcore *core, mxrt_u64 (*now)(void)) { return T(core)->Expire(now); }
int mxrt_wdcore_info(mxrt_wdcore *core, mxrt_u32 index, mxrt_wd_info *out) { return T(core)->Info(index, out); }
void mxrt_wdcore_stats(mxrt_wdcore *core, mxrt_wd_stats *out) { T(core)->Stats(out); }

void mxrt_wdcore_test_last_gen(mxrt_wdcore *core, mxrt_u32 gen) { T(core)->TestLastGen(gen); }

} // extern "C"
