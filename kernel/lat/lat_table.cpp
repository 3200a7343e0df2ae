// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (mxrt_lat.ko: tracepoint probes, debugfs handlers, a work item) and user space
// (unit tests on the fake platform, including TSan). Implements kernel/lat/lat_table.h; see there
// for the slots' life cycle, the commands and the locks.
//
// Memory ordering:
//   - The index (struct mxrt_lat_index) is written under lock_ with atomic stores and read by the
//     probes without a lock (mxrt_lat_find). A slot is published in this order: its task state is
//     set up (state INIT, invisible), then its index pid is stored with release, then its bucket
//     names it; a probe that finds the pid with its acquire load sees the set-up state. A retired
//     slot's pid becomes 0 (relaxed: a probe that still matches it uses a state that stays valid
//     until a grace period later), then its bucket forgets it.
//   - Slot::state: stored under lock_ with release after the fields it publishes (why, gp,
//     until_ns for DONE; the set-up fields for ACTIVE), loaded with acquire by readers that do not
//     hold lock_ (the control path, debugfs). Those fields do not change while DONE, except from
//     the control path, which readers exclude with ctl_.
//   - A task's exit against its publication: Add stores the index, a full fence, then loads the
//     task's PF_EXITING; the exit probe runs after PF_EXITING is set and a full barrier, then loads
//     the index (store buffering, see Add). One of them sees the other. Likewise a group's
//     addition (TrackGroup: the group, a full fence, then the walk of its threads) against a new
//     thread's fork probe and an exiting one's exit probe (list link or PF_EXITING, a full
//     barrier, then nr_groups).
//   - Settings for tasks tracked later (slo_, capture_) and the counters are atomics: the fork and
//     exec probes read the settings, several probes bump the counters (relaxed: no ordering with
//     anything else is needed, they are statistics).
#include <lat/lat_table.h>
#include <lib/kstd/atomic.hpp>
#include <lib/platform/platform.hpp>

namespace mxrt::lat {
namespace {

constexpr u32 kMaxTasks = MXRT_LAT_MAX_TASKS;
constexpr u32 kMaxGroups = MXRT_LAT_MAX_GROUPS;
constexpr u32 kIndex = MXRT_LAT_INDEX;
constexpr u32 kMetrics = MXRT_LAT_NMETRICS;
constexpr u32 kNoSlot = ~0u;
constexpr u64 kReportDelayNs = 100000000ull;     // reports 100 ms after the last exit of a burst ...
constexpr u64 kReportMaxDelayNs = 1000000000ull; // ... but at most 1 s after the first
constexpr usize kText = 16 * 1024;               // one task's formatted table or trace, with room to spare
constexpr u32 kTokens = 4;
constexpr usize kReportLine = 960; // a final report: one kernel log record (printk's limit is 1024)

static_assert(kIndex == 4096 && (kIndex & (kIndex - 1)) == 0, "the index is masked with kIndex - 1");
static_assert(kMaxTasks < MXRT_LAT_SHARED, "a bucket names slot + 1");

enum class State : u32 { kFree = 0, kInit, kActive, kDone, kDropped };
enum class Why : u32 { kNone = 0, kExited, kUntracked, kExec, kUnloaded };

const char *WhyName(Why w) {
	switch (w) {
	case Why::kExited:
		return "exited";
	case Why::kUntracked:
		return "untracked";
	case Why::kExec:
		return "exec";
	case Why::kUnloaded:
		return "unloaded";
	default:
		return "done";
	}
}

const char *const kCaptureNames[] = {"off", "on", "all"}; // indexed by enum mxrt_lat_capture
static_assert(MXRT_LAT_CAPTURE_OFF == 0 && MXRT_LAT_CAPTURE_SLO == 1 && MXRT_LAT_CAPTURE_ALL == 2);

struct Slot {
	Atomic<u32> state; // State: see "Memory ordering" above
	// Written by whoever holds the slot in INIT (set-up) or under lock_ before the state store to
	// DONE/DROPPED (retirement); stable while ACTIVE (since_ns) or DONE (all).
	Why why;
	u64 gp; // RCU cookie taken when it stopped matching
	u64 since_ns, until_ns;
	u64 seq;       // order of publication (lock_): a failed tgid command takes back what it added
	bool reported; // final report printed (ctl_)
};

// A command's words: at most kTokens, not NUL-terminated.
struct Token {
	const char *s = nullptr;
	usize n = 0;
	bool Is(const char *word) const {
		usize i = 0;
		for (; i < n; i++)
			if (word[i] != s[i]) // word[i] == '\0' differs from every token byte
				return false;
		return word[i] == '\0';
	}
};

bool Blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Decimal digits only (no sign, no blank, no base prefix): the value, or -EINVAL when it is not
// such a number or does not fit u64.
Result<u64> ParseU64(const Token &t) {
	if (t.n == 0)
		return Error(-MXRT_EINVAL);
	u64 v = 0;
	for (usize i = 0; i < t.n; i++) {
		const char c = t.s[i];
		if (c < '0' || c > '9')
			return Error(-MXRT_EINVAL);
		const u64 d = u64(c - '0');
		if (v > (~0ull - d) / 10)
			return Error(-MXRT_EINVAL);
		v = v * 10 + d;
	}
	return Ok(v);
}

// A pid: 1..2^31-1, or -EINVAL (every malformed number gets the same answer).
Result<s32> ParsePid(const Token &t) {
	const u64 v = TRY(ParseU64(t));
	if (v == 0 || v > 0x7fffffffull)
		return Error(-MXRT_EINVAL);
	return Ok(s32(v));
}

// A task name as one field of a table: blanks as '_', other control characters as '?' (a task
// names itself with any bytes: an ESC reached the tables and the final report's printk raw), "-"
// when empty (an empty field shifted every column after it).
void FieldComm(const mxrt_lat_task *t, char out[MXRT_LAT_COMM_LEN]) {
	mxrt_lat_comm(t, out);
	out[MXRT_LAT_COMM_LEN - 1] = '\0';
	for (u32 i = 0; out[i] != '\0'; i++) {
		const unsigned char c = static_cast<unsigned char>(out[i]);
		if (c == ' ' || (c >= '\t' && c <= '\r'))
			out[i] = '_';
		else if (c < ' ' || c == 0x7f)
			out[i] = '?';
	}
	if (out[0] == '\0') {
		out[0] = '-';
		out[1] = '\0';
	}
}

} // namespace

class Table : Pinned {
public:
	static Result<Table *> Create(mxrt_lat_index *ix, u32 max_tasks, u32 ncpus, const mxrt_lat_table_layout &layout,
				      const mxrt_lat_host &host) {
		mxrt_shim_might_sleep();
		if (ncpus < 1 || host.visit == nullptr || host.log == nullptr)
			return Error(-MXRT_EINVAL);
		if (max_tasks < 1 || max_tasks > kMaxTasks) {
			char line[64];
			mxrt_shim_scnprintf(line, sizeof(line), "max_tasks=%u: must be 1..%u\n", max_tasks, kMaxTasks);
			host.log(1, line);
			return Error(-MXRT_EINVAL);
		}
		Table *tb = TRY(New<Table>(Gfp::kKernel));
		MXRT_MUTEX_INIT(tb->ctl_, "mxrt_lat_ctl", LockRank::kLatControl);
		MXRT_SPINLOCK_INIT(tb->lock_, "mxrt_lat_table", LockRank::kLatTable);
		tb->pool_ = static_cast<mxrt_lat_task *>(
			mxrt_shim_zalloc(usize(max_tasks) * sizeof(mxrt_lat_task), MXRT_GFP_KERNEL, -1));
		tb->logs_ = static_cast<mxrt_lat_cpu_log *>(
			mxrt_shim_zalloc(usize(ncpus) * sizeof(mxrt_lat_cpu_log), MXRT_GFP_KERNEL, -1));
		if (tb->pool_ == nullptr || tb->logs_ == nullptr) {
			Delete(tb);
			return Error(-MXRT_ENOMEM);
		}
		tb->ix_ = ix;
		tb->max_tasks_ = max_tasks;
		tb->ncpus_ = ncpus;
		tb->layout_ = layout;
		tb->host_ = host;
		tb->capture_.Store(MXRT_LAT_CAPTURE_SLO, MemoryOrder::kRelaxed);
		mxrt_lat_cpu_logs_init(tb->logs_, ncpus);
		// Before any probe runs (the glue registers them after create): plain stores.
		*ix = {};
		for (u32 i = 0; i < kMaxTasks; i++)
			ix->slot[i].t = i < max_tasks ? &tb->pool_[i] : nullptr;
		return tb;
	}

	~Table() {
		mxrt_shim_free(pool_);
		mxrt_shim_free(logs_);
	}

	mxrt_lat_cpu_log *Logs() { return logs_; }

	// --- control commands ------------------------------------------------------------------------

	int Command(const char *cmd, usize len) {
		mxrt_shim_might_sleep();
		const char *const end = cmd + len;
		// A NUL byte is refused, not taken as the end: "untrack 5\0 6" must not succeed as
		// "untrack 5" (the write says it consumed all of it).
		for (const char *p = cmd; p < end; p++)
			if (*p == '\0')
				return -MXRT_EINVAL;
		Token tok[kTokens];
		u32 n = 0;
		for (const char *p = cmd; p < end;) {
			if (Blank(*p)) {
				p++;
				continue;
			}
			if (n == kTokens)
				return -MXRT_EINVAL;
			tok[n].s = p;
			while (p < end && !Blank(*p))
				p++;
			tok[n].n = usize(p - tok[n].s);
			n++;
		}
		if (n == 0)
			return -MXRT_EINVAL;
		Guard<Mutex> g(ctl_);
		return Run(tok, n).ErrorCode();
	}

	// --- probes ----------------------------------------------------------------------------------

	void Fork(const void *task) {
		const s32 tgid = Field(task, layout_.tgid);
		if (Field(task, layout_.pid) == tgid)
			return; // a new process: only threads of tracked groups are tracked
		bool group;
		{
			Guard<IrqSpinLock> g(lock_);
			group = GroupLocked(tgid) != kNoSlot;
		}
		if (group)
			AddAuto(task);
	}

	s64 Exec(const void *task, s32 old_pid) {
		const s32 pid = Field(task, layout_.pid);
		if (pid == old_pid)
			return -1;
		// de_thread gave the thread the leader's pid: old_pid no longer names a task.
		s64 delay = -1;
		bool group;
		{
			Guard<IrqSpinLock> g(lock_);
			const u32 i = ActiveSlotLocked(old_pid);
			if (i != kNoSlot) {
				RetireLocked(i, Why::kExec);
				delay = ArmReportLocked();
			}
			group = GroupLocked(Field(task, layout_.tgid)) != kNoSlot;
		}
		if (group)
			AddAuto(task); // its group is tracked: so is the thread, under its new pid
		return delay;
	}

	s64 Exit(const void *task, bool group_dead) {
		const s32 pid = Field(task, layout_.pid);
		s64 delay = -1;
		Guard<IrqSpinLock> g(lock_);
		const u32 i = ActiveSlotLocked(pid);
		if (i != kNoSlot) {
			RetireLocked(i, Why::kExited);
			delay = ArmReportLocked();
		}
		// The last thread of a tracked group: forget the group, its tgid may be reused.
		if (group_dead)
			RemoveGroupLocked(Field(task, layout_.tgid));
		return delay;
	}

	// --- reports ---------------------------------------------------------------------------------

	void ReportDue() {
		{
			Guard<IrqSpinLock> g(lock_);
			report_armed_ = false; // exits from now on arm it again
		}
		Guard<Mutex> g(ctl_);
		ReportLocked();
		KeepRoomLocked();
	}

	// The threads the probes add (new threads of a tracked group, exec in one) take free slots
	// only: a probe cannot wait for a finished task's grace period. So that a group that keeps
	// making threads stays tracked, the report pass (after exits) keeps some slots free while a
	// group is tracked: while fewer than an eighth of the table (one at least) are, it evicts the
	// oldest reported finished tasks, as a command does (counted in evicted_finished; their final
	// reports are in the log). Only the control path (ctl_) turns finished slots into free ones.
	void KeepRoomLocked() MXRT_REQUIRES(ctl_) {
		ctl_.AssertHeld();
		const u32 want = max_tasks_ / 8 > 0 ? max_tasks_ / 8 : 1;
		u32 room = 0;
		{
			Guard<IrqSpinLock> g(lock_);
			if (ix_->nr_groups == 0)
				return;
			for (u32 i = 0; i < max_tasks_; i++)
				room += StateOf(i) == State::kFree;
		}
		while (room < want) {
			const u32 old = OldestEvictable();
			if (old == kNoSlot)
				return; // every slot is tracked, or finished and not reported yet
			const bool finished = StateOf(old) == State::kDone;
			mxrt_shim_rcu_gp_wait(slots_[old].gp); // no probe still uses it
			FreeSlot(old);
			if (finished)
				evicted_.FetchAdd(1, MemoryOrder::kRelaxed); // statistics only
			room++;
		}
	}

	// A finished or dropped slot whose grace period is over (no probe still uses it) becomes
	// free: its task stops counting on its CPU. Only the control path (ctl_) frees such slots.
	void FreeSlot(u32 i) MXRT_REQUIRES(ctl_) {
		mxrt_lat_detach(&pool_[i]);
		Guard<IrqSpinLock> g(lock_);
		SetState(i, State::kFree);
	}

	void Stop() {
		Guard<IrqSpinLock> g(lock_);
		for (u32 i = 0; i < max_tasks_; i++)
			if (StateOf(i) == State::kActive)
				RetireLocked(i, Why::kUnloaded);
	}

	// --- files -----------------------------------------------------------------------------------

	int Show(mxrt_lat_file what, void (*emit)(void *, const char *), void *arg) {
		mxrt_shim_might_sleep();
		char *buf = static_cast<char *>(mxrt_shim_zalloc(kText, MXRT_GFP_KERNEL, -1));
		mxrt_lat_trace *tr = nullptr;
		if (what == MXRT_LAT_FILE_TRACES)
			tr = static_cast<mxrt_lat_trace *>(mxrt_shim_zalloc(sizeof(*tr), MXRT_GFP_KERNEL, -1));
		if (buf == nullptr || (what == MXRT_LAT_FILE_TRACES && tr == nullptr)) {
			mxrt_shim_free(buf);
			mxrt_shim_free(tr);
			return -MXRT_ENOMEM;
		}
		Guard<Mutex> g(ctl_);
		if (what == MXRT_LAT_FILE_STATUS) {
			FormatStatusLocked(buf, kText);
			emit(arg, buf);
		} else {
			ReportLocked(); // a task shown as finished has its final report in the log
			ShowTasksLocked(what, buf, tr, emit, arg);
		}
		mxrt_shim_free(tr);
		mxrt_shim_free(buf);
		return 0;
	}

private:
	// --- task records ---

	static s32 Field(const void *rec, u32 off) {
		s32 v;
		__builtin_memcpy(&v, static_cast<const char *>(rec) + off, 4);
		return v;
	}
	bool Exiting(const void *task) const { return (u32(Field(task, layout_.flags)) & layout_.pf_exiting) != 0; }
	bool IrqThread(const void *task) const {
		const char *comm = static_cast<const char *>(task) + layout_.comm;
		return (u32(Field(task, layout_.flags)) & layout_.pf_kthread) != 0 && comm[0] == 'i' && comm[1] == 'r' &&
		       comm[2] == 'q' && comm[3] == '/';
	}

	// --- slots and index ---

	State StateOf(u32 i) const { return State(slots_[i].state.Load(MemoryOrder::kAcquire)); } // pairs with SetState
	void SetState(u32 i, State s) { slots_[i].state.Store(u32(s), MemoryOrder::kRelease); } // pairs with StateOf
	AtomicRef<s32> IndexPid(u32 i) { return AtomicRef<s32>(ix_->slot[i].pid); }
	AtomicRef<u16> IndexBucket(s32 pid) { return AtomicRef<u16>(ix_->bucket[u32(pid) & (kIndex - 1)]); }
	u32 SlotOf(const mxrt_lat_task *t) const { return u32(t - pool_); }

	// The ACTIVE slot tracking pid, or kNoSlot.
	u32 ActiveSlotLocked(s32 pid) MXRT_REQUIRES(lock_) {
		const mxrt_lat_task *t = mxrt_lat_find(ix_, pid);
		return t != nullptr && StateOf(SlotOf(t)) == State::kActive ? SlotOf(t) : kNoSlot;
	}

	// The bucket of pid names the right slot after its count changed.
	void BucketUpdateLocked(s32 pid) MXRT_REQUIRES(lock_) {
		const u32 b = u32(pid) & (kIndex - 1);
		u32 v = 0;
		if (count_[b] > 1) {
			v = MXRT_LAT_SHARED;
		} else if (count_[b] == 1) {
			for (u32 i = 0; i < max_tasks_; i++) {
				const s32 p = IndexPid(i).Load(MemoryOrder::kRelaxed);
				if (p != 0 && (u32(p) & (kIndex - 1)) == b)
					v = i + 1;
			}
		}
		IndexBucket(pid).Store(u16(v), MemoryOrder::kRelaxed); // the pid's acquire orders the slot
	}

	void PublishLocked(u32 i, s32 pid) MXRT_REQUIRES(lock_) {
		lock_.AssertHeld();
		if (i >= ix_->nr_used)
			AtomicRef<u32>(ix_->nr_used).Store(i + 1, MemoryOrder::kRelaxed); // read by find_shared
		slots_[i].seq = ++seq_;
		SetState(i, State::kActive);
		IndexPid(i).Store(pid, MemoryOrder::kRelease); // pairs with mxrt_lat_find's acquire
		count_[u32(pid) & (kIndex - 1)]++;
		BucketUpdateLocked(pid);
	}

	void UnpublishLocked(u32 i) MXRT_REQUIRES(lock_) {
		lock_.AssertHeld();
		const s32 pid = IndexPid(i).Load(MemoryOrder::kRelaxed);
		IndexPid(i).Store(0, MemoryOrder::kRelaxed);
		count_[u32(pid) & (kIndex - 1)]--;
		BucketUpdateLocked(pid);
		// The probes run in RCU read-side sections. A snapshot, not gp_start: lock_ disables interrupts.
		slots_[i].gp = mxrt_shim_rcu_gp_snapshot();
	}

	// Stops matching slot i; its data stays for the reports.
	void RetireLocked(u32 i, Why why) MXRT_REQUIRES(lock_) {
		UnpublishLocked(i);
		slots_[i].why = why;
		slots_[i].until_ns = NowNs();
		SetState(i, State::kDone);
	}

	// Takes back a published slot without a report: free a grace period later.
	void DropLocked(u32 i) MXRT_REQUIRES(lock_) {
		UnpublishLocked(i);
		SetState(i, State::kDropped);
	}

	u32 ClaimLocked() MXRT_REQUIRES(lock_) {
		for (u32 i = 0; i < max_tasks_; i++) {
			if (StateOf(i) == State::kFree) {
				SetState(i, State::kInit);
				return i;
			}
		}
		return kNoSlot;
	}

	// Gives back slot i, claimed (INIT), as @to: FREE, or what it was before a claim (ReleaseAll).
	void Release(u32 i, State to = State::kFree) {
		Guard<IrqSpinLock> g(lock_);
		if (StateOf(i) == State::kInit)
			SetState(i, to);
	}

	// Who adds a task: a pid or tgid command (ctl_ held), or the fork and exec probes for a thread
	// of a tracked group (no ctl_: the group may be forgotten meanwhile).
	enum class Origin { kCommand, kGroup };

	// Sets up slot i (INIT, held by the caller) for task and publishes it. 0; -EEXIST the pid is
	// tracked already, -ENOENT (kGroup) its group is no longer tracked (slot i stays INIT in both);
	// -ESRCH the task is exiting (slot i is taken back).
	Result<void> Add(u32 i, const void *task, Origin origin) {
		const s32 pid = Field(task, layout_.pid);
		mxrt_lat_task *t = &pool_[i];
		char comm[MXRT_LAT_COMM_LEN];
		__builtin_memcpy(comm, static_cast<const char *>(task) + layout_.comm, MXRT_LAT_COMM_LEN);
		comm[MXRT_LAT_COMM_LEN - 1] = '\0';
		// Not visible to any probe: a FREE slot stopped matching at least a grace period ago.
		mxrt_lat_task_init(t, pid, Field(task, layout_.tgid), comm, IrqThread(task),
				   int(capture_.Load(MemoryOrder::kRelaxed)));
		mxrt_lat_set_cpu_logs(t, logs_, ncpus_);
		for (u32 m = 0; m < kMetrics; m++)
			mxrt_lat_set_slo(t, mxrt_lat_metric(m), slo_[m].Load(MemoryOrder::kRelaxed));
		Slot &s = slots_[i];
		s.why = Why::kNone;
		s.reported = false;
		s.since_ns = NowNs();
		s.until_ns = 0;
		Guard<IrqSpinLock> g(lock_);
		if (ActiveSlotLocked(pid) != kNoSlot)
			return Error(-MXRT_EEXIST);
		// The probe saw the group tracked before it dropped lock_ to set the slot up: an untrack of
		// the group (or a failed tgid command's TakeBack) may have run since, and retired all it
		// knew of. Checked here, under the lock those take too, so no thread of a group is
		// published once the group is forgotten.
		if (origin == Origin::kGroup && GroupLocked(Field(task, layout_.tgid)) == kNoSlot)
			return Error(-MXRT_ENOENT);
		// The settings for every task again, under lock_: a capture or slo command stores its value
		// under lock_ and then walks the active slots, so it finds this slot published or its value
		// is read here. Read only above, one stored between that read and the walk was lost for
		// this task for good (a thread created during `slo wakeup N` kept no SLO, unsaid).
		mxrt_lat_set_capture(t, int(capture_.Load(MemoryOrder::kRelaxed)));
		for (u32 m = 0; m < kMetrics; m++)
			mxrt_lat_set_slo(t, mxrt_lat_metric(m), slo_[m].Load(MemoryOrder::kRelaxed));
		PublishLocked(i, pid);
		// A task that started exiting may have passed its exit probe before it was published: it
		// would never stop matching. The probe does not always take lock_ (only if it finds the
		// pid in the index, or groups are tracked), so the lock orders nothing here: it is store
		// buffering. We store the pid and bucket (above), then load the task's flags; the exiting
		// task stores PF_EXITING, then its exit probe loads the index without a lock. A full
		// barrier on each side, this fence and the smp_mb() in the glue's exit probe
		// (lat_probe_exit), makes at least one see the other's store: PF_EXITING is seen here (and
		// the slot taken back), or the probe finds the slot and retires it under lock_ (after this
		// section). Release and acquire alone would let both miss.
		ThreadFence(MemoryOrder::kSeqCst); // pairs with smp_mb() in lat_probe_exit
		if (Exiting(task)) {
			DropLocked(i);
			return Error(-MXRT_ESRCH);
		}
		return {};
	}

	// A thread the tracer adds by itself (fork, exec in a tracked group); a full table is counted.
	void AddAuto(const void *task) {
		u32 i;
		{
			Guard<IrqSpinLock> g(lock_);
			i = ClaimLocked();
		}
		if (i == kNoSlot) {
			table_full_.FetchAdd(1, MemoryOrder::kRelaxed); // statistics only
			return;
		}
		if (!Add(i, task, Origin::kGroup).Ok())
			Release(i); // tracked already, group forgotten (or exiting: then it is no longer INIT)
	}

	// --- groups ---

	u32 GroupLocked(s32 tgid) MXRT_REQUIRES(lock_) {
		for (u32 g = 0; g < kMaxGroups; g++)
			if (groups_[g] == tgid)
				return g;
		return kNoSlot;
	}

	void RemoveGroupLocked(s32 tgid) MXRT_REQUIRES(lock_) {
		const u32 g = GroupLocked(tgid);
		if (g == kNoSlot)
			return;
		groups_[g] = 0;
		AtomicRef<u32>(ix_->nr_groups).Store(ix_->nr_groups - 1, MemoryOrder::kRelaxed); // read by probes
	}

	// --- reports ---

	s64 ArmReportLocked() MXRT_REQUIRES(lock_) {
		const u64 now = NowNs();
		if (!report_armed_) {
			report_armed_ = true;
			report_first_ns_ = now;
		}
		const u64 deadline = report_first_ns_ + kReportMaxDelayNs;
		u64 delay = kReportDelayNs;
		if (now + delay > deadline)
			delay = deadline > now ? deadline - now : 0;
		return s64(delay);
	}

	void ReportLocked() MXRT_REQUIRES(ctl_) {
		ctl_.AssertHeld();
		char *buf = nullptr;
		for (u32 i = 0; i < max_tasks_; i++) {
			Slot &s = slots_[i];
			if (StateOf(i) != State::kDone || s.reported)
				continue;
			if (buf == nullptr)
				buf = static_cast<char *>(mxrt_shim_zalloc(kText, MXRT_GFP_KERNEL, -1));
			if (buf == nullptr) {
				host_.log(1, "no memory for final reports; they stay readable in debugfs\n");
				return;
			}
			// One kernel log record per task: "final report: pid P tgid G comm why after N ms (ns): summary"
			const mxrt_lat_task *t = &pool_[i];
			char comm[MXRT_LAT_COMM_LEN];
			FieldComm(t, comm);
			usize n = mxrt_shim_scnprintf(buf, kReportLine, "final report: pid %d tgid %d %s %s after %llu ms (ns): ",
						      t->pid, t->tgid, comm, WhyName(s.why),
						      (s.until_ns - s.since_ns) / 1000000);
			n += mxrt_lat_format_summary(t, buf + n, kReportLine - 1 - n);
			buf[n++] = '\n';
			buf[n] = '\0';
			host_.log(0, buf);
			s.reported = true;
		}
		mxrt_shim_free(buf);
	}

	// --- commands ---

	Result<void> Run(const Token *tok, u32 n) MXRT_REQUIRES(ctl_) {
		if (tok[0].Is("pid") && n == 2)
			return TrackPid(TRY(ParsePid(tok[1])));
		if (tok[0].Is("tgid") && n == 2)
			return TrackGroup(TRY(ParsePid(tok[1])));
		if (tok[0].Is("untrack") && n == 2)
			return Untrack(TRY(ParsePid(tok[1])));
		if (tok[0].Is("capture") && n == 2) {
			for (u32 c = 0; c < ArraySize(kCaptureNames); c++) {
				if (tok[1].Is(kCaptureNames[c])) {
					StoreSetting(&capture_, c); // read by Add
					ForEachActive([c](mxrt_lat_task *t) { mxrt_lat_set_capture(t, int(c)); });
					return {};
				}
			}
			return Error(-MXRT_EINVAL);
		}
		if (tok[0].Is("slo") && (n == 3 || n == 4)) {
			u32 m = 0;
			while (m < kMetrics && !tok[1].Is(mxrt_lat_metric_name(mxrt_lat_metric(m))))
				m++;
			if (m == kMetrics)
				return Error(-MXRT_EINVAL);
			u64 ns = 0;
			if (!tok[2].Is("off")) {
				ns = TRY(ParseU64(tok[2]));
				if (ns == 0)
					return Error(-MXRT_EINVAL);
			}
			if (n == 4) {
				mxrt_lat_task *t = TRY(Tracked(TRY(ParsePid(tok[3]))));
				mxrt_lat_set_slo(t, mxrt_lat_metric(m), ns);
				return {};
			}
			StoreSetting(&slo_[m], ns); // tasks tracked from now on (read by Add)
			ForEachActive([m, ns](mxrt_lat_task *t) { mxrt_lat_set_slo(t, mxrt_lat_metric(m), ns); });
			return {};
		}
		if (tok[0].Is("reset") && n <= 2) {
			if (n == 2) {
				mxrt_lat_request_reset(TRY(Tracked(TRY(ParsePid(tok[1]))))); // done by its next event
				return {};
			}
			ForEachActive([](mxrt_lat_task *t) { mxrt_lat_request_reset(t); });
			return {};
		}
		if (tok[0].Is("clear") && n == 1) {
			Clear();
			return {};
		}
		return Error(-MXRT_EINVAL);
	}

	// A setting for every task (capture_, slo_), stored under lock_ before the caller walks the
	// active slots: Add reads it under lock_ before it publishes a slot (see there).
	template <typename T, typename V> void StoreSetting(T *setting, V v) {
		Guard<IrqSpinLock> g(lock_);
		setting->Store(v, MemoryOrder::kRelaxed);
	}

	template <typename F> void ForEachActive(F f) {
		for (u32 i = 0; i < max_tasks_; i++)
			if (StateOf(i) == State::kActive)
				f(&pool_[i]);
	}

	Result<mxrt_lat_task *> Tracked(s32 pid) {
		mxrt_lat_task *t = mxrt_lat_find(ix_, pid);
		if (t == nullptr)
			return Error(-MXRT_ENOENT);
		return t;
	}

	// What a visit of a task (or of a process's threads) found: live threads not yet tracked.
	struct Census {
		Table *tb;
		u32 live = 0, untracked = 0;
	};
	static void CountFn(void *arg, const void *task) {
		Census *c = static_cast<Census *>(arg);
		if (c->tb->Exiting(task))
			return; // exited (a zombie, or on its way): it is not tracked any more
		c->live++;
		c->untracked += mxrt_lat_find(c->tb->ix_, Field(task, c->tb->layout_.pid)) == nullptr;
	}

	// Slots claimed for a command (INIT), used in order: free ones first, then finished tasks'
	// (was: the state each had, given back to those the command did not use).
	struct Claim {
		u32 slot[kMaxTasks];
		u8 was[kMaxTasks];
		u32 n = 0, used = 0, counted = 0; // counted: used slots whose eviction was counted
	};

	// Makes `want` slots the caller's (INIT) or changes nothing: free slots first, then the oldest
	// finished tasks (reported first; counted as evicted_finished). -ENOSPC if not enough.
	Result<void> ReserveLocked(u32 want, Claim *c) MXRT_REQUIRES(ctl_) {
		ctl_.AssertHeld();
		ReportLocked(); // finished tasks can be evicted once reported
		{
			Guard<IrqSpinLock> g(lock_);
			u32 room = 0;
			for (u32 i = 0; i < max_tasks_; i++)
				room += Evictable(i) || StateOf(i) == State::kFree;
			if (room < want)
				return Error(-MXRT_ENOSPC);
			for (u32 i = 0; i < max_tasks_ && c->n < want; i++) {
				if (StateOf(i) == State::kFree) {
					c->was[c->n] = u8(State::kFree);
					c->slot[c->n++] = ClaimAt(i);
				}
			}
		}
		// Only the control path (which holds ctl_) turns DONE or DROPPED slots into anything else:
		// the rest are still there.
		while (c->n < want) {
			const u32 old = OldestEvictable();
			if (old == kNoSlot) // cannot happen (room was counted above): give back and fail
				break;
			mxrt_shim_rcu_gp_wait(slots_[old].gp); // no probe still uses it
			mxrt_lat_detach(&pool_[old]);          // (a task untracked while waiting stops counting there)
			{
				Guard<IrqSpinLock> g(lock_);
				c->was[c->n] = u8(StateOf(old));
				c->slot[c->n++] = ClaimAt(old);
			}
		}
		if (c->n < want) {
			ReleaseAll(c);
			return Error(-MXRT_ENOSPC);
		}
		return {};
	}

	// The slot to evict first: a dropped one, else the finished task that finished first (reported:
	// Evictable). kNoSlot if none. The control path's (ctl_), which alone frees such slots.
	u32 OldestEvictable() {
		u32 old = kNoSlot;
		for (u32 i = 0; i < max_tasks_; i++) {
			if (!Evictable(i))
				continue;
			if (old == kNoSlot || StateOf(i) == State::kDropped ||
			    (StateOf(old) == State::kDone && slots_[i].until_ns < slots_[old].until_ns))
				old = i;
		}
		return old;
	}

	bool Evictable(u32 i) {
		const State s = StateOf(i);
		return (s == State::kDone && slots_[i].reported) || s == State::kDropped;
	}

	u32 ClaimAt(u32 i) {
		SetState(i, State::kInit);
		return i;
	}

	// Gives back the claimed slots a command did not use: free ones free again, a finished task's
	// as it was (nothing of it was written: a command that fails before it needs the slot evicts
	// nothing). The finished tasks whose slots were used are evicted (evicted_finished).
	void ReleaseAll(Claim *c) {
		for (u32 k = c->counted; k < c->used; k++)
			if (State(c->was[k]) == State::kDone)
				evicted_.FetchAdd(1, MemoryOrder::kRelaxed); // statistics only
		for (u32 k = c->used; k < c->n; k++)
			Release(c->slot[k], State(c->was[k]));
		c->counted = c->used = c->n;
	}

	struct AddCtx {
		Table *tb;
		Claim *claim;
		bool single; // a pid command: its one task must be added
		int err = 0;
		u32 added = 0;
		u32 live = 0; // tasks visited that are not exiting (tracked now, or already)
	};

	// Adds task with the next claimed slot, or one it claims now (threads created meanwhile).
	static void AddFn(void *arg, const void *task) {
		AddCtx *a = static_cast<AddCtx *>(arg);
		Table *tb = a->tb;
		Claim *c = a->claim;
		if (tb->Exiting(task)) { // it is leaving: nothing to track
			if (a->single)
				a->err = -MXRT_ESRCH;
			return;
		}
		a->live++;
		if (mxrt_lat_find(tb->ix_, Field(task, tb->layout_.pid)) != nullptr)
			return; // tracked already (by pid, or by the fork probe since the group was added)
		u32 i = c->used < c->n ? c->slot[c->used] : kNoSlot;
		if (i == kNoSlot) {
			Guard<IrqSpinLock> g(tb->lock_);
			i = tb->ClaimLocked();
			if (i == kNoSlot) {
				a->err = -MXRT_ENOSPC;
				return;
			}
			c->was[c->n] = u8(State::kFree);
			c->slot[c->n++] = i; // n <= max_tasks: each slot is claimed once
		}
		const Result<void> r = tb->Add(i, task, Origin::kCommand);
		if (r.ErrorCode() == -MXRT_EEXIST) {
			// the fork probe was quicker: the slot stays claimed for the next one, but Add wrote
			// it: a finished task's is evicted now, not given back as it was
			if (State(c->was[c->used]) == State::kDone)
				tb->evicted_.FetchAdd(1, MemoryOrder::kRelaxed); // statistics only
			c->was[c->used] = u8(State::kFree);
			return;
		}
		c->used++;
		if (r.Ok())
			a->added++;
		else if (a->single)
			a->err = r.ErrorCode(); // -ESRCH: it started exiting
	}

	Result<void> TrackPid(s32 pid) MXRT_REQUIRES(ctl_) {
		Census census{this};
		TRY(ToResult(host_.visit(pid, 0, CountFn, &census)));
		if (census.live == 0)
			return Error(-MXRT_ESRCH); // a zombie is not tracked: it will never exit again
		if (census.untracked == 0)
			return Error(-MXRT_EEXIST);
		Claim claim;
		TRY(ReserveLocked(1, &claim));
		AddCtx add{this, &claim, true};
		const int err = host_.visit(pid, 0, AddFn, &add);
		ReleaseAll(&claim);
		if (err != 0)
			return Error(err); // gone meanwhile (nothing was added then)
		if (add.err != 0)
			return Error(add.err);
		return add.added == 1 ? Result<void>() : Result<void>(Error(-MXRT_EEXIST));
	}

	Result<void> TrackGroup(s32 tgid) MXRT_REQUIRES(ctl_) {
		Census census{this};
		TRY(ToResult(host_.visit(tgid, 1, CountFn, &census)));
		if (census.live == 0)
			return Error(-MXRT_ESRCH);
		{
			Guard<IrqSpinLock> g(lock_);
			if (GroupLocked(tgid) != kNoSlot)
				return Error(-MXRT_EEXIST);
			if (GroupLocked(0) == kNoSlot)
				return Error(-MXRT_ENOSPC);
		}
		// All its threads must fit now, or nothing is tracked (threads created later are counted).
		Claim claim;
		TRY(ReserveLocked(census.untracked, &claim));
		u64 seq0;
		{
			// The group first, then its threads: a thread created meanwhile is added by the fork
			// probe (it is on the thread list before that probe runs).
			Guard<IrqSpinLock> g(lock_);
			groups_[GroupLocked(0)] = tgid; // only the control path adds groups: one is free
			AtomicRef<u32>(ix_->nr_groups).Store(ix_->nr_groups + 1, MemoryOrder::kRelaxed); // read by probes
			seq0 = seq_;
		}
		// Store buffering again (see Add): we stored the group, then read the thread list and the
		// threads' PF_EXITING in the visit; a new thread is linked into the list, an exiting one
		// sets PF_EXITING, and then their fork or exit probe loads nr_groups without a lock. With a
		// full barrier on both sides (this one; smp_mb() in lat_probe_newtask and lat_probe_exit) a
		// thread the visit misses (or sees exiting) has a probe that sees the group: it is added,
		// or the group is forgotten with the last thread.
		ThreadFence(MemoryOrder::kSeqCst); // pairs with smp_mb() in lat_probe_newtask, lat_probe_exit
		AddCtx add{this, &claim, false};
		int err = host_.visit(tgid, 1, AddFn, &add);
		if (err == 0)
			err = add.err;
		// Its last thread may have exited since the census, before the group was added: its exit
		// probe found no group to forget, and nothing would forget it later (a reused tgid's
		// threads would be tracked). A thread this visit saw alive exits after the group was
		// added (it sets PF_EXITING before its exit probe takes lock_), so that probe forgets it.
		if (err == 0 && add.live == 0)
			err = -MXRT_ESRCH; // only zombies left: as for a process that is gone
		ReleaseAll(&claim);
		if (err != 0)
			TakeBack(tgid, seq0);
		return err == 0 ? Result<void>() : Result<void>(Error(err));
	}

	// A tgid command that failed: the group and every thread added since seq0 (by the command or
	// the fork probe) are taken back, without reports.
	void TakeBack(s32 tgid, u64 seq0) MXRT_REQUIRES(ctl_) {
		{
			Guard<IrqSpinLock> g(lock_);
			RemoveGroupLocked(tgid);
			for (u32 i = 0; i < max_tasks_; i++)
				if (StateOf(i) == State::kActive && pool_[i].tgid == tgid && slots_[i].seq > seq0)
					DropLocked(i);
		}
		SynchronizeRcu(); // no probe still records for them
		for (u32 i = 0; i < max_tasks_; i++) {
			if (StateOf(i) == State::kDropped && mxrt_shim_rcu_gp_done(slots_[i].gp))
				FreeSlot(i);
		}
	}

	// A tracked group's tgid: the group and all its threads; else one tracked thread.
	Result<void> Untrack(s32 id) MXRT_REQUIRES(ctl_) {
		{
			Guard<IrqSpinLock> g(lock_);
			if (GroupLocked(id) != kNoSlot) {
				RemoveGroupLocked(id);
				for (u32 i = 0; i < max_tasks_; i++)
					if (StateOf(i) == State::kActive && pool_[i].tgid == id)
						RetireLocked(i, Why::kUntracked);
			} else {
				const u32 i = ActiveSlotLocked(id);
				if (i == kNoSlot)
					return Error(-MXRT_ENOENT);
				RetireLocked(i, Why::kUntracked);
			}
		}
		SynchronizeRcu(); // when the write returns, no probe still records for these tasks
		// Their events are over: a task untracked while waiting must not keep its CPU logging.
		for (u32 i = 0; i < max_tasks_; i++)
			if (StateOf(i) == State::kDone && mxrt_shim_rcu_gp_done(slots_[i].gp))
				mxrt_lat_detach(&pool_[i]);
		ReportLocked(); // ... and their final reports are in the log
		return {};
	}

	void Clear() MXRT_REQUIRES(ctl_) {
		ReportLocked(); // finished tasks are reported before they are forgotten
		SynchronizeRcu();
		for (u32 i = 0; i < max_tasks_; i++) {
			if (Evictable(i) && mxrt_shim_rcu_gp_done(slots_[i].gp))
				FreeSlot(i);
		}
	}

	// --- files ---

	void FormatStatusLocked(char *buf, usize len) MXRT_REQUIRES(ctl_) {
		// One load per slot: the probes change states meanwhile (a task exits, a thread is
		// created), and a slot loaded twice could count as both tracking and finished, wrapping
		// `free` below. So the three counts always add up to max_tasks.
		u32 active = 0, done = 0;
		for (u32 i = 0; i < max_tasks_; i++) {
			const State st = StateOf(i);
			active += st == State::kActive;
			done += st == State::kDone;
		}
		u64 switches = 0;
		for (u32 c = 0; c < ncpus_; c++) // the logs count them anyway: no counter on the event path
			switches += AtomicRef<u64>(logs_[c].head).Load(MemoryOrder::kRelaxed);
		usize n = 0;
		n += mxrt_shim_scnprintf(buf + n, len - n, "max_tasks: %u\ntracking: %u\nfinished: %u\nfree: %u\n",
					 max_tasks_, active, done, max_tasks_ - active - done);
		n += mxrt_shim_scnprintf(buf + n, len - n, "memory_bytes: %llu (task state %llu bytes each)\n",
					 u64(max_tasks_) * sizeof(mxrt_lat_task) + sizeof(*this) + sizeof(*ix_) +
						 u64(ncpus_) * sizeof(mxrt_lat_cpu_log),
					 u64(sizeof(mxrt_lat_task)));
		n += mxrt_shim_scnprintf(buf + n, len - n, "groups:");
		{
			Guard<IrqSpinLock> g(lock_);
			for (u32 k = 0; k < kMaxGroups; k++)
				if (groups_[k] != 0)
					n += mxrt_shim_scnprintf(buf + n, len - n, " %d", groups_[k]);
		}
		const u32 capture = capture_.Load(MemoryOrder::kRelaxed);
		n += mxrt_shim_scnprintf(buf + n, len - n, "\nmax_groups: %u", kMaxGroups);
		n += mxrt_shim_scnprintf(buf + n, len - n, "\ncapture: %s%s\nslo_ns:", kCaptureNames[capture],
					 capture == MXRT_LAT_CAPTURE_SLO ? " (metrics with an SLO)" : "");
		for (u32 m = 0; m < kMetrics; m++) {
			const u64 slo = slo_[m].Load(MemoryOrder::kRelaxed);
			const char *name = mxrt_lat_metric_name(mxrt_lat_metric(m));
			if (slo != 0)
				n += mxrt_shim_scnprintf(buf + n, len - n, " %s=%llu", name, slo);
			else
				n += mxrt_shim_scnprintf(buf + n, len - n, " %s=-", name);
		}
		mxrt_shim_scnprintf(buf + n, len - n,
				    "\nswitches_logged: %llu\nnot_tracked_table_full: %llu\nevicted_finished: %llu\n",
				    switches, table_full_.Load(MemoryOrder::kRelaxed), evicted_.Load(MemoryOrder::kRelaxed));
	}

	void ShowTasksLocked(mxrt_lat_file what, char *buf, mxrt_lat_trace *tr, void (*emit)(void *, const char *),
			     void *arg) MXRT_REQUIRES(ctl_) {
		if (what == MXRT_LAT_FILE_TASKS)
			emit(arg, "# pid tgid comm state irq_thread tracked_ms\n");
		if (what == MXRT_LAT_FILE_STATS)
			emit(arg, "# pid tgid comm metric count min_ns max_ns avg_ns p50_ns p99_ns slo_ns violations\n");
		const u32 used = AtomicRef<u32>(ix_->nr_used).Load(MemoryOrder::kRelaxed); // the probes may add
		for (u32 i = 0; i < used; i++) {
			const State st = StateOf(i); // acquire: the slot's fields are set up
			if (st != State::kActive && st != State::kDone)
				continue;
			const mxrt_lat_task *t = &pool_[i];
			const Slot &s = slots_[i];
			char comm[MXRT_LAT_COMM_LEN];
			FieldComm(t, comm);
			if (what == MXRT_LAT_FILE_TASKS) {
				// until_ns is read only when DONE (then it does not change): a probe may be
				// retiring an ACTIVE slot right now.
				const u64 until = st == State::kDone ? s.until_ns : NowNs();
				mxrt_shim_scnprintf(buf, kText, "%d %d %s %s %u %llu\n", t->pid, t->tgid, comm,
						    st == State::kActive ? "tracking" : WhyName(s.why), t->is_irq_thread,
						    (until - s.since_ns) / 1000000);
				emit(arg, buf);
				continue;
			}
			if (what == MXRT_LAT_FILE_STATS) {
				mxrt_lat_format_stats(t, buf, kText);
				emit(arg, buf);
				continue;
			}
			for (u32 m = 0; m < kMetrics; m++) {
				const char *name = mxrt_lat_metric_name(mxrt_lat_metric(m));
				char head[96];
				if (what == MXRT_LAT_FILE_HIST) {
					if (mxrt_lat_format_hist(t, mxrt_lat_metric(m), buf, kText) == 0)
						continue;
					mxrt_shim_scnprintf(head, sizeof(head), "# pid %d %s %s: lo_ns hi_ns count\n", t->pid,
							    comm, name);
				} else {
					if (mxrt_lat_trace_read(t, mxrt_lat_metric(m), tr) != 0 || tr->n == 0)
						continue;
					mxrt_lat_format_trace(tr, buf, kText);
					mxrt_shim_scnprintf(head, sizeof(head), "# pid %d %s %s worst case\n", t->pid, comm,
							    name);
				}
				emit(arg, head);
				emit(arg, buf);
			}
		}
	}

	mxrt_lat_index *ix_ = nullptr;
	u32 max_tasks_ = 0, ncpus_ = 0;
	mxrt_lat_table_layout layout_{};
	mxrt_lat_host host_{};
	mxrt_lat_task *pool_ = nullptr;
	mxrt_lat_cpu_log *logs_ = nullptr;
	Mutex ctl_;
	IrqSpinLock lock_;
	Slot slots_[kMaxTasks];
	u16 count_[kIndex] MXRT_GUARDED_BY(lock_) = {}; // tracked pids per bucket
	s32 groups_[kMaxGroups] MXRT_GUARDED_BY(lock_) = {};
	u64 seq_ MXRT_GUARDED_BY(lock_) = 0;
	bool report_armed_ MXRT_GUARDED_BY(lock_) = false; // an exit waits for report_due
	u64 report_first_ns_ MXRT_GUARDED_BY(lock_) = 0;   // when the first of them came
	Atomic<u64> slo_[kMetrics];			   // for tasks tracked from now on
	Atomic<u32> capture_;
	Atomic<u64> table_full_, evicted_; // statistics for status
};

} // namespace mxrt::lat

using mxrt::lat::Table;

// struct mxrt_lat_table stays incomplete: the C side holds an opaque pointer that is a Table.
static Table *T(mxrt_lat_table *tb) { return reinterpret_cast<Table *>(tb); }

extern "C" {

int mxrt_lat_table_create(mxrt_lat_table **out, mxrt_lat_index *ix, mxrt_u32 max_tasks, mxrt_u32 ncpus,
			  const mxrt_lat_table_layout *layout, const mxrt_lat_host *host) noexcept {
	kstd::Result<Table *> tb = Table::Create(ix, max_tasks, ncpus, *layout, *host);
	if (!tb.Ok())
		return tb.ErrorCode();
	*out = reinterpret_cast<mxrt_lat_table *>(tb.Value());
	return 0;
}

void mxrt_lat_table_destroy(mxrt_lat_table *tb) noexcept { mxrt::Delete(T(tb)); }
mxrt_lat_cpu_log *mxrt_lat_table_logs(mxrt_lat_table *tb) noexcept { return T(tb)->Logs(); }
int mxrt_lat_table_command(mxrt_lat_table *tb, const char *cmd, mxrt_size len) noexcept {
	return T(tb)->Command(cmd, len);
}
void mxrt_lat_table_fork(mxrt_lat_table *tb, const void *task) noexcept { T(tb)->Fork(task); }
mxrt_s64 mxrt_lat_table_exec(mxrt_lat_table *tb, const void *task, mxrt_s32 old_pid) noexcept {
	return T(tb)->Exec(task, old_pid);
}
mxrt_s64 mxrt_lat_table_exit(mxrt_lat_table *tb, const void *task, int group_dead) noexcept {
	return T(tb)->Exit(task, group_dead != 0);
}
void mxrt_lat_table_report_due(mxrt_lat_table *tb) noexcept { T(tb)->ReportDue(); }
void mxrt_lat_table_stop(mxrt_lat_table *tb) noexcept { T(tb)->Stop(); }
int mxrt_lat_table_show(mxrt_lat_table *tb, mxrt_lat_file what, void (*emit)(void *, const char *),
			void *arg) noexcept {
	return T(tb)->Show(what, emit, arg);
}

} // extern "C"
