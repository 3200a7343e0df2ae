// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (the latency tracer's tracepoint probes and debugfs/sysfs handlers) and user space
// (tests, including TSan builds). Implements kernel/lat/lat_core.h; see there for the metrics
// and the calling contract.
//
// Memory ordering. One serialised writer (the event calls) and any number of readers:
//   - Statistics: the metric's histogram words (kernel/lib/hist/log2_hist.hpp, AddSingleWriter):
//     every field is written with an atomic store; count last, with release, after the value it
//     counts is in min/max/sum/hist (and violations). stat_read loads count first with acquire, so
//     whatever it reads afterwards includes that value (min <= max holds in every snapshot with
//     count > 0). A reset is a write section of stat_seq (kernel/lib/kstd/seqlock.hpp), so a
//     reader that saw a zero re-checks the count and retries instead of mixing old and new fields.
//   - worst[m]: a seqlock per metric (SeqCountRef over worst_seq[m], SeqStore/SeqLoad copies).
//   - the CPU logs: the same protocol in its position form (head is the entry being written).
//   - state/wait_cpu/capture/reset_req/slo_ns: single words with relaxed atomics; they are hints or
//     settings whose ordering comes from the scheduler's runqueue locks around the event calls.
//   - a log's waiters: relaxed atomic adds (a waker or a migration changes another CPU's count);
//     the shim reads it under that CPU's runqueue lock, which also orders the wake-ups there.
// The traces are copied as 64-bit words through a may_alias type, since they hold char arrays.
#include <lat/lat_core.h>
#include <lib/hist/log2_hist.hpp>
#include <lib/kstd/atomic.hpp>
#include <lib/kstd/seqlock.hpp>

namespace {

using kstd::AtomicRef;
using kstd::MemoryOrder;
using kstd::s32;
using kstd::s64;
using kstd::u32;
using kstd::u64;
using kstd::usize;

typedef u64 __attribute__((may_alias)) WordU64;

constexpr u32 kMetrics = MXRT_LAT_NMETRICS;
constexpr u32 kBuckets = MXRT_LAT_HIST_BUCKETS;
constexpr u32 kEvents = MXRT_LAT_TRACE_EVENTS;
constexpr u32 kHdrWords = __builtin_offsetof(mxrt_lat_trace, ev) / 8;
constexpr u32 kEvWords = sizeof(mxrt_lat_event) / 8;
constexpr u32 kReadRetries = 16;
constexpr u64 kNone = ~0ull;

static_assert(sizeof(mxrt_lat_event) == 72, "no implicit padding in the event");
static_assert(sizeof(mxrt_lat_event) % 8 == 0 && alignof(mxrt_lat_event) == 8);
static_assert(__builtin_offsetof(mxrt_lat_trace, ev) == 32);
static_assert(sizeof(mxrt_lat_trace) == 32 + kEvents * sizeof(mxrt_lat_event));
static_assert(sizeof(mxrt_lat_stat) == (6 + kBuckets) * 8);
static_assert(__builtin_offsetof(mxrt_lat_task, stat_seq) % 8 == 0);
static_assert(__builtin_offsetof(mxrt_lat_task, worst) % 8 == 0);
static_assert(kMetrics <= 32, "worst_valid is a bit mask");
static_assert(__builtin_offsetof(mxrt_lat_event, cpu) == 12 && __builtin_offsetof(mxrt_lat_event, prev_pid) == 16 &&
	      __builtin_offsetof(mxrt_lat_event, prev_prio) == 24 && __builtin_offsetof(mxrt_lat_event, prev_state) == 32 &&
	      __builtin_offsetof(mxrt_lat_event, prev_comm) == 40 && __builtin_offsetof(mxrt_lat_event, next_comm) == 56,
	      "EventWords builds this layout");


u32 Min(u32 a, u32 b) { return a < b ? a : b; }

u64 Diff(u64 later, u64 earlier) { return later > earlier ? later - earlier : 0; } // clocks may step

static_assert(kBuckets == mxrt::kLog2Buckets, "the tracer's histograms are the project's log2 histogram");

// A metric's statistics as the project's log2 histogram (same words, the tracer's names).
mxrt::Log2Hist Hist(const mxrt_lat_stat *s) {
	auto *w = const_cast<mxrt_lat_stat *>(s);
	return mxrt::Log2Hist(w->count, w->min_ns, w->max_ns, w->sum_ns, w->hist);
}

void CopyEvent(mxrt_lat_event *dst, const mxrt_lat_event &src) {
	// Word by word (the struct is 9 words): no memcpy call in the freestanding object.
	const WordU64 *s = reinterpret_cast<const WordU64 *>(&src);
	WordU64 *d = reinterpret_cast<WordU64 *>(dst);
	for (u32 i = 0; i < kEvWords; i++)
		d[i] = s[i];
}

// Two 32-bit fields as the 64-bit word they share in memory (either byte order).
u64 Pair(u32 first, u32 second) {
	const u32 f[2] = {first, second};
	u64 w;
	__builtin_memcpy(&w, f, 8);
	return w;
}

u64 CommWord(const char *comm, u32 half) {
	u64 w;
	__builtin_memcpy(&w, comm + 8 * half, 8);
	return w;
}

// An event as the probe saw it: the task records' fields, read where they are (no copies).
struct View {
	u64 ts_ns;
	u32 cpu, voluntary;
	s32 prev_pid, next_pid, prev_prio, next_prio;
	const char *prev_comm, *next_comm;
};

mxrt_lat_task_layout g_layout; // mxrt_lat_set_task_layout, before any event

[[gnu::always_inline]] inline s32 Field(const void *rec, u32 off) {
	s32 v;
	__builtin_memcpy(&v, static_cast<const char *>(rec) + off, 4);
	return v;
}

[[gnu::always_inline]] inline View ViewOf(const void *prev, const void *next, u64 ts, u32 cpu, u32 voluntary) {
	const mxrt_lat_task_layout l = g_layout;
	return {ts,
		cpu,
		voluntary,
		Field(prev, l.pid),
		Field(next, l.pid),
		Field(prev, l.prio),
		Field(next, l.prio),
		static_cast<const char *>(prev) + l.comm,
		static_cast<const char *>(next) + l.comm};
}

// The nine words of the mxrt_lat_event for a view, built in registers: no copy of the event.
// (Inlined and unrolled everywhere, so the words stay in registers.)
struct Words {
	u64 w[kEvWords];
};
[[gnu::always_inline]] inline Words EventWords(const View &s, u32 type) {
	return {{s.ts_ns, Pair(type, s.cpu), Pair(u32(s.prev_pid), u32(s.next_pid)),
		 Pair(u32(s.prev_prio), u32(s.next_prio)), Pair(type == MXRT_LAT_EV_SWITCH ? s.voluntary : 0, 0),
		 CommWord(s.prev_comm, 0), CommWord(s.prev_comm, 1), CommWord(s.next_comm, 0),
		 CommWord(s.next_comm, 1)}};
}

[[gnu::always_inline]] inline void StoreEvent(mxrt_lat_event *to, const Words &w) {
	WordU64 *d = reinterpret_cast<WordU64 *>(to);
#pragma GCC unroll 9
	for (u32 i = 0; i < kEvWords; i++)
		d[i] = w.w[i];
}

// Zeroes the words [from, to) of *p, word by word (no memset call in the freestanding object).
template <typename T> void ZeroWords(T *p, usize from = 0, usize to = sizeof(T) / 8) {
	static_assert(sizeof(T) % 8 == 0);
	WordU64 *w = reinterpret_cast<WordU64 *>(p);
	for (usize i = from; i < to; i++)
		w[i] = 0;
}

// Zeroes the task state but the events of its traces (16 of its 18 KiB): nothing reads an event
// beyond a trace's n, and the fork probe initialises a state for every thread a tracked process
// creates.
void ZeroTask(mxrt_lat_task *t) {
	constexpr usize kCur = __builtin_offsetof(mxrt_lat_task, cur), kLogs = __builtin_offsetof(mxrt_lat_task, logs),
			kScratch = __builtin_offsetof(mxrt_lat_task, scratch);
	static_assert(kCur % 8 == 0 && kLogs % 8 == 0 && kScratch % 8 == 0);
	static_assert(kLogs == __builtin_offsetof(mxrt_lat_task, worst) + kMetrics * sizeof(mxrt_lat_trace),
		      "the traces lie between cur and logs");
	ZeroWords(t, 0, kCur / 8);
	mxrt_lat_trace *const traces[] = {&t->cur,	&t->relief_cur, &t->worst[0], &t->worst[1],
					  &t->worst[2], &t->worst[3],	  &t->scratch};
	for (mxrt_lat_trace *tr : traces)
		ZeroWords(tr, 0, kHdrWords);
	ZeroWords(t, kLogs / 8, kScratch / 8);
	static_assert(kMetrics == 4 && sizeof(mxrt_lat_task) == kScratch + sizeof(mxrt_lat_trace),
		      "every trace header is zeroed above");
}

void CopyComm(char *dst, const char *src) {
	u32 i = 0;
	for (; src != nullptr && i + 1 < MXRT_LAT_COMM_LEN && src[i] != '\0'; i++)
		dst[i] = src[i];
	for (; i < MXRT_LAT_COMM_LEN; i++)
		dst[i] = '\0';
}

// The task's comm can change while it is tracked (prctl, exec): two 64-bit words, written and read
// with relaxed atomics so a reader gets each half whole (a rename races only with reports).
static_assert(MXRT_LAT_COMM_LEN == 16 && __builtin_offsetof(mxrt_lat_task, comm) % 8 == 0);
void LoadComm(const mxrt_lat_task *t, char *out) {
	const WordU64 *w = reinterpret_cast<const WordU64 *>(t->comm);
	for (u32 i = 0; i < 2; i++) {
		const u64 v = AtomicRef<const u64>(w[i]).Load(MemoryOrder::kRelaxed);
		__builtin_memcpy(out + 8 * i, &v, 8);
	}
}

void ClearTrace(mxrt_lat_trace *tr) {
	tr->value_ns = tr->start_ns = tr->end_ns = 0;
	tr->n = 0;
	tr->dropped = 0;
}

// Adds an event (a wake-up or a timer arm) to a private trace; a full trace drops it (counted).
[[gnu::always_inline]] inline void Append(mxrt_lat_trace *tr, const Words &w) {
	if (tr->n < kEvents) {
		StoreEvent(&tr->ev[tr->n++], w);
	} else if (tr->dropped != ~0u) {
		tr->dropped++;
	}
}

// --- waits and CPU logs ----------------------------------------------------------------------------

static_assert((MXRT_LAT_WAITS & (MXRT_LAT_WAITS - 1)) == 0, "a ring indexed with a mask");

// The newest stretch ends at ts (if it has not ended).
[[gnu::always_inline]] inline void WaitEnd(mxrt_lat_task *t, u64 ts) {
	mxrt_lat_wait *w = &t->waits[(t->nwaits - 1) % MXRT_LAT_WAITS]; // nwaits == 0: an unused, zeroed slot
	if (w->to_ns == kNone)
		w->to_ns = ts;
}

// With CPU logs a cycle's trace is read from the logs of the CPUs the task was on, from its
// wake-up to its sleep: a stretch opens at the wake-up (and moves with a migration) and closes at
// the voluntary sleep. Its own switches and those of whoever kept it waiting are all in there.
// The task is woken on, or migrates to, cpu at ts. Only cycles that keep a trace need them.
[[gnu::always_inline]] inline void WaitOn(mxrt_lat_task *t, u32 cpu, u64 ts) {
	if (t->logs == nullptr || !t->cyc_traced)
		return;
	WaitEnd(t, ts);
	mxrt_lat_wait *w = &t->waits[t->nwaits % MXRT_LAT_WAITS];
	w->cpu = cpu;
	w->from_ns = ts;
	w->to_ns = kNone;
	t->nwaits++;
}

// A consistent copy of log entry `i` (a global index below the head the caller loaded); false if
// it was overwritten meanwhile. The seqlock's position form: the writer stores head = k before it
// writes entry k, which replaces entry k - 64 (LogAdd), so if head is still at most i + 63 after
// the copy, the copy is whole (SeqLoad, then SeqReaderFence before the head load: pairs with
// LogAdd's SeqWriterFence).
bool LogRead(const mxrt_lat_cpu_log *log, u64 i, mxrt_lat_event *out) {
	kstd::SeqLoad(out, &log->ev[i % MXRT_LAT_CPU_LOG_EVENTS], sizeof(*out));
	kstd::SeqReaderFence();
	return AtomicRef<const u64>(log->head).Load(MemoryOrder::kRelaxed) - i < MXRT_LAT_CPU_LOG_EVENTS;
}

// One more dropped event, saturating at ~0u as Append does (a relief period can drop billions).
inline void CountDropped(u32 *dropped) {
	if (*dropped != ~0u)
		++*dropped;
}

// Puts the task's own wake-ups and timer arms (tr) and the switches of the CPUs it was on (waits:
// its own and everybody else's) into t->scratch, in time order, the newest switches first when
// they do not all fit. Only when a new worst is published.
mxrt_lat_trace *BuildTrace(mxrt_lat_task *t, const mxrt_lat_trace *tr, u64 first) {
	mxrt_lat_trace *out = &t->scratch;
	const u32 own = Min(tr->n, kEvents);
	u32 room = kEvents - own, nc = 0, dropped = tr->dropped;
	if (t->nwaits - first > MXRT_LAT_WAITS) { // its oldest stretches were overwritten
		CountDropped(&dropped);
		first = t->nwaits - MXRT_LAT_WAITS;
	}
	// Candidates go to the end of out->ev, newest at the top, so [kEvents - nc, kEvents) ascends
	// (the stretches are walked newest first too, and do not overlap).
	for (u64 w = t->nwaits; w-- > first;) {
		const mxrt_lat_wait &wt = t->waits[w % MXRT_LAT_WAITS];
		if (wt.cpu >= t->nlogs)
			continue;
		const mxrt_lat_cpu_log *log = &t->logs[wt.cpu];
		const u64 head = AtomicRef(log->head).Load(MemoryOrder::kAcquire);
		// The slot of head - 64 is the one the writer fills next: the newest 63 are readable.
		const u64 oldest = head > MXRT_LAT_CPU_LOG_EVENTS - 1 ? head - (MXRT_LAT_CPU_LOG_EVENTS - 1) : 0;
		bool reached_start = false;
		for (u64 i = head; i-- > oldest;) {
			mxrt_lat_event e;
			if (!LogRead(log, i, &e))
				break; // overwritten: older ones are gone too
			if (e.ts_ns > wt.to_ns)
				continue;
			if (e.ts_ns < wt.from_ns) {
				reached_start = true;
				break;
			}
			if (room == 0) {
				CountDropped(&dropped);
				continue;
			}
			e.type = MXRT_LAT_EV_SWITCH;
			CopyEvent(&out->ev[kEvents - 1 - nc], e);
			nc++;
			room--;
		}
		if (!reached_start && oldest > 0)
			CountDropped(&dropped); // the log no longer reaches back to the start of this wait
	}
	// Merge from the front: the write position never passes the unread candidates.
	u32 i = 0, j = kEvents - nc, k = 0;
	while (i < own || j < kEvents) {
		if (j >= kEvents || (i < own && tr->ev[i].ts_ns <= out->ev[j].ts_ns))
			CopyEvent(&out->ev[k++], tr->ev[i++]);
		else
			CopyEvent(&out->ev[k++], out->ev[j++]);
	}
	out->n = k;
	out->dropped = dropped;
	return out;
}

[[gnu::always_inline]] inline void AddWaiter(mxrt_lat_task *t, s32 cpu, u64 delta) {
	if (cpu >= 0 && u32(cpu) < t->nlogs) // no logs: nlogs == 0
		AtomicRef(t->logs[cpu].waiters).FetchAdd(delta, MemoryOrder::kRelaxed);
}

// The task now waits on cpu (WAITING, PREEMPTED), or on none (-1). It counts in that CPU log's
// waiters only while its cycle keeps a trace: the other switches there are wanted only for it.
[[gnu::always_inline]] inline void SetState(mxrt_lat_task *t, mxrt_lat_state st, s32 cpu) {
	const s32 want = t->cyc_traced ? cpu : -1, was = t->waiter_cpu; // private to the event calls
	if (was != want) {
		AddWaiter(t, was, ~0ull); // -1
		AddWaiter(t, want, 1);
		t->waiter_cpu = want;
	}
	if (t->wait_cpu != cpu) // only the serialised event calls write it
		AtomicRef(t->wait_cpu).Store(cpu, MemoryOrder::kRelaxed);
	AtomicRef(t->state).Store(u32(st), MemoryOrder::kRelaxed);
}

// Whether t's settings ask for traces now: capture all, or capture for SLOs and an SLO is set.
// Read once per cycle, at its wake-up.
[[gnu::always_inline]] inline u32 WantsTraces(const mxrt_lat_task *t) {
	constexpr MemoryOrder r = MemoryOrder::kRelaxed;
	const u32 capture = AtomicRef(t->capture).Load(r);
	if (capture != MXRT_LAT_CAPTURE_SLO)
		return capture == MXRT_LAT_CAPTURE_ALL;
	u64 any = 0;
	for (u32 m = 0; m < kMetrics; m++)
		any |= AtomicRef(t->stat[m].slo_ns).Load(r);
	return any != 0;
}

// Single writer: plain read-modify-write through atomic loads and stores. True when the metric has
// an SLO. The violation is counted before the histogram's count is published (release), so a
// reader's snapshot that includes the value includes its violation.
[[gnu::always_inline]] inline bool AddValue(mxrt_lat_stat *s, u64 v) {
	constexpr MemoryOrder r = MemoryOrder::kRelaxed;
	const u64 slo = AtomicRef(s->slo_ns).Load(r); // set_slo may change it at any time
	if (slo != 0 && v > slo)
		AtomicRef(s->violations).AddSingleWriter(1, r);
	Hist(s).AddSingleWriter(v); // count last, with release: pairs with stat_read's acquire load
	return slo != 0;
}

u32 CaptureMode(int capture) {
	return capture == MXRT_LAT_CAPTURE_OFF ? MXRT_LAT_CAPTURE_OFF
	       : capture == MXRT_LAT_CAPTURE_SLO ? MXRT_LAT_CAPTURE_SLO
						 : MXRT_LAT_CAPTURE_ALL;
}

// Publishes src (a private trace) as worst[m].
void Publish(mxrt_lat_task *t, u32 m, mxrt_lat_trace *src, u64 value, u64 start, u64 end) {
	src->value_ns = value;
	src->start_ns = start;
	src->end_ns = end;
	// A write section of worst[m]'s seqlock (pairs with mxrt_lat_trace_read). Events beyond n are
	// not copied; readers ignore them.
	const kstd::SeqCountRef seq(t->worst_seq[m]);
	const u32 words = kHdrWords + Min(src->n, kEvents) * kEvWords; // n never exceeds it; stay inside
	seq.WriteBegin();
	kstd::SeqStore(&t->worst[m], src, usize(words) * 8);
	seq.WriteEnd();
}

// A new worst case of m: its trace is put together and published. Rare, so out of line (noinline),
// but not marked cold: GCC < 14 drops -falign-functions for cold functions (and may make their
// callees cold too), while arm64's ftrace needs every function's patch site aligned to
// CONFIG_FUNCTION_ALIGNMENT, so a cold function can make a module load hit a BUG in the text
// patching. The kernel's own __cold is empty for that reason; scripts/check-cxx-object.sh refuses
// a misaligned function.
__attribute__((noinline)) void PublishWorst(mxrt_lat_task *t, mxrt_lat_metric m, u64 value,
						  mxrt_lat_trace *tr, u64 start, u64 end) {
	const bool relief = m == MXRT_LAT_RELIEF;
	if (t->logs != nullptr)
		tr = BuildTrace(t, tr, relief ? t->relief_first : t->cyc_first);
	Publish(t, m, tr, value, start, end);
	t->worst_valid |= 1u << m;
}

// traced: the cycle (or relief period) kept its trace from its start.
[[gnu::always_inline]] inline void Complete(mxrt_lat_task *t, mxrt_lat_metric m, u64 value, u32 traced,
					    mxrt_lat_trace *tr, u64 start, u64 end) {
	const bool slo = AddValue(&t->stat[m], value);
	if (!traced)
		return;
	const u32 capture = AtomicRef(t->capture).Load(MemoryOrder::kRelaxed);
	if (capture == MXRT_LAT_CAPTURE_OFF || (capture == MXRT_LAT_CAPTURE_SLO && !slo))
		return;
	// worst[m].value_ns is only written by us; the atomic load keeps the may_alias stores visible.
	if ((t->worst_valid & (1u << m)) == 0 || value > AtomicRef(t->worst[m].value_ns).Load(MemoryOrder::kRelaxed))
		PublishWorst(t, m, value, tr, start, end);
}

void ResetNow(mxrt_lat_task *t) {
	// A write section of stat_seq: the zeros (SeqStoreWord) and the empty histograms are seen
	// whole by a reader that re-checks stat_seq (mxrt_lat_stat_read).
	const kstd::SeqCountRef stat_seq(t->stat_seq);
	stat_seq.WriteBegin();
	for (u32 m = 0; m < kMetrics; m++) {
		mxrt_lat_stat *st = &t->stat[m];
		kstd::SeqStoreWord(&st->count, 0);
		kstd::SeqStoreWord(&st->min_ns, mxrt::kLog2Empty);
		kstd::SeqStoreWord(&st->max_ns, 0);
		kstd::SeqStoreWord(&st->sum_ns, 0);
		kstd::SeqStoreWord(&st->violations, 0); // slo_ns is kept
		for (u32 b = 0; b < kBuckets; b++)
			kstd::SeqStoreWord(&st->hist[b], 0);
	}
	stat_seq.WriteEnd();
	for (u32 m = 0; m < kMetrics; m++) { // each worst trace empty, in a write section of its own
		const kstd::SeqCountRef seq(t->worst_seq[m]);
		u64 *header = reinterpret_cast<WordU64 *>(&t->worst[m]);
		seq.WriteBegin();
		for (u32 i = 0; i < kHdrWords; i++) // value, start, end, n|dropped
			kstd::SeqStoreWord(&header[i], 0);
		seq.WriteEnd();
	}
	t->worst_valid = 0;
	ClearTrace(&t->cur);
	ClearTrace(&t->relief_cur);
	// The running cycle and relief period are abandoned; the scheduling state stays (a waiters
	// count it holds is dropped by its next state change).
	t->cyc_traced = t->relief_traced = 0;
	t->in_cycle = 0;
	t->wakeup_pending = 0;
	t->relief_active = 0;
	t->timer_armed = 0;
	t->run_ns = 0;
	t->cyc_first = t->relief_first = t->nwaits;
}

// Requested resets are done by the writer, at the start of its next event.
[[gnu::always_inline]] inline void TakeResetRequest(mxrt_lat_task *t) {
	const u32 r = AtomicRef(t->reset_req).Load(MemoryOrder::kRelaxed); // a counter, no data rides on it
	if (r != t->reset_done) {
		ResetNow(t);
		t->reset_done = r;
	}
}

// --- events ------------------------------------------------------------------------------------

// t (task record rec) is next in a switch on cpu at ts: it runs, and a wake-up waiting for this
// ends. Scalars only: the record is read for traced cycles alone.
[[gnu::always_inline]] inline void SwitchIn(mxrt_lat_task *t, const void *rec, u32 cpu, u64 ts) {
	TakeResetRequest(t);
	if (t->wakeup_pending) {
		t->wakeup_pending = 0;
		Complete(t, MXRT_LAT_WAKEUP, Diff(ts, t->wake_ts), t->cyc_traced, &t->cur, t->wake_ts, ts);
	}
	t->run_start_ts = ts;
	if (t->cyc_traced) { // for its timer arms (it runs when it arms one): traced cycles only
		t->last_cpu = cpu;
		t->last_prio = Field(rec, g_layout.prio);
	}
	SetState(t, MXRT_LAT_ST_RUNNING, -1);
}

// t is prev in a switch on cpu at ts: preempted (it waits on the CPU), or asleep (its cycle and
// maybe its relief period end).
[[gnu::always_inline]] inline void SwitchOut(mxrt_lat_task *t, u32 cpu, u64 ts, u32 voluntary) {
	TakeResetRequest(t);
	const u32 st = AtomicRef(t->state).Load(MemoryOrder::kRelaxed);
	if (t->in_cycle && st == MXRT_LAT_ST_RUNNING)
		t->run_ns += Diff(ts, t->run_start_ts);
	if (voluntary == 0) {
		SetState(t, MXRT_LAT_ST_PREEMPTED, s32(cpu));
		return;
	}
	if (t->cyc_traced)
		WaitEnd(t, ts); // before Complete: the stretch ends with this switch
	if (t->in_cycle) {
		const u32 traced = t->cyc_traced;
		Complete(t, MXRT_LAT_RESPONSE, Diff(ts, t->wake_ts), traced, &t->cur, t->wake_ts, ts);
		if (t->is_irq_thread)
			Complete(t, MXRT_LAT_IRQTHREAD, t->run_ns, traced, &t->cur, t->wake_ts, ts);
		t->in_cycle = 0;
		t->wakeup_pending = 0;
	}
	if (t->relief_active && t->timer_armed) {
		Complete(t, MXRT_LAT_RELIEF, Diff(ts, t->relief_start_ts), t->relief_traced, &t->relief_cur,
			 t->relief_start_ts, ts);
		t->relief_active = 0;
	}
	t->timer_armed = 0;
	t->cyc_traced = 0;
	SetState(t, MXRT_LAT_ST_SLEEPING, -1);
}

// Adds a switch to its CPU's log (one writer: that CPU, under its runqueue lock); readers on other
// CPUs may copy entries meanwhile (LogRead). The seqlock's position form: entry i is written while
// head == i (the claim, stored by the previous add), and published by head = i + 1. This runs on
// every switch of a CPU where traced tasks run or wait: one smp_wmb()-strength fence and plain
// word stores in the kernel, as the kernel's seqcount writers do.
[[gnu::always_inline]] inline void LogAdd(mxrt_lat_cpu_log *log, const Words &w) {
	const AtomicRef<u64> head(log->head);
	const u64 i = head.Load(MemoryOrder::kRelaxed); // one writer
	WordU64 *to = reinterpret_cast<WordU64 *>(&log->ev[i % MXRT_LAT_CPU_LOG_EVENTS]);
	kstd::SeqWriterFence(); // the claim (head == i) before the words: pairs with LogRead's fence
#pragma GCC unroll 9
	for (u32 k = 0; k < kEvWords; k++)
		kstd::SeqStoreWord(&to[k], w.w[k]);
	head.Store(i + 1, MemoryOrder::kRelease); // pairs with BuildTrace's head load
}

// A switch into its CPU's log: only while a trace wants it, so out of the untraced path.
__attribute__((noinline)) void LogSwitch(mxrt_lat_cpu_log *log, const void *prev, const void *next, u64 ts,
					 u32 voluntary) {
	LogAdd(log, EventWords(ViewOf(prev, next, ts, log->cpu, voluntary), MXRT_LAT_EV_SWITCH));
}

// A wake-up into the traces that keep it (cycle_starts: the running cycle's starts with it, so does
// the relief period's if relief_starts; else it goes on in the running cycle's). Out of the
// untraced path: only these read the task records.
__attribute__((noinline)) void TraceWakeup(mxrt_lat_task *t, const void *waker, const void *woken, u32 cpu, u64 ts,
					   bool cycle_starts, bool relief_starts) {
	const Words w = EventWords(ViewOf(waker, woken, ts, cpu, 0), MXRT_LAT_EV_WAKEUP);
	if (cycle_starts) {
		ClearTrace(&t->cur);
		t->cyc_first = t->nwaits;
	}
	Append(&t->cur, w); // a cycle's trace starts empty: its first wake-up always fits
	if (relief_starts) {
		ClearTrace(&t->relief_cur);
		t->relief_first = t->nwaits;
		Append(&t->relief_cur, w);
	}
}

// --- text -----------------------------------------------------------------------------------------

// Appends to buf[len]: only complete lines, always NUL-terminated when len > 0.
class Text {
public:
	Text(char *buf, usize len) : buf_(buf), len_(len) {}

	void Ch(char c) {
		if (full_)
			return;
		if (pos_ + 1 < len_)
			buf_[pos_++] = c;
		else
			full_ = true;
	}
	void Str(const char *s) {
		for (; *s != '\0'; s++)
			Ch(*s);
	}
	void U64(u64 v) {
		char d[20];
		u32 n = 0;
		do {
			d[n++] = char('0' + v % 10);
			v /= 10;
		} while (v != 0);
		while (n > 0)
			Ch(d[--n]);
	}
	void S64(s64 v) {
		if (v < 0) {
			Ch('-');
			U64(0ull - u64(v));
		} else {
			U64(u64(v));
		}
	}
	// A fixed-size comm: blanks as '_', other non-printables as '?', "-" when empty.
	// A task name as one field, by the rule of every table (lat_table.cpp, FieldComm): blanks as
	// '_', other control characters as '?', other bytes (UTF-8) as they are, "-" when empty.
	// Until 2026-12-06 this one made '\n' and every byte from 0x80 '?', so stats and traces named
	// a task otherwise than tasks and the final report did.
	void Comm(const char *c) {
		u32 i = 0;
		for (; i < MXRT_LAT_COMM_LEN && c[i] != '\0'; i++) {
			const unsigned char x = static_cast<unsigned char>(c[i]);
			Ch(x == ' ' || (x >= '\t' && x <= '\r') ? '_' : (x < ' ' || x == 0x7f) ? '?' : char(x));
		}
		if (i == 0)
			Ch('-');
	}
	// "comm/pid/prio"
	void Task(const char *comm, s32 pid, s32 prio) {
		Comm(comm);
		Ch('/');
		S64(pid);
		Ch('/');
		S64(prio);
	}
	// Ends a line; a line that did not fit is taken back, and nothing follows it.
	void EndLine() {
		Ch('\n');
		Keep();
	}
	// Keeps what was written since the last EndLine/Keep if it all fit (without ending the line).
	void Keep() {
		if (full_)
			pos_ = line_;
		else
			line_ = pos_;
	}
	usize Finish() {
		if (len_ == 0)
			return 0;
		if (full_)
			pos_ = line_;
		buf_[pos_] = '\0';
		return pos_;
	}

private:
	char *buf_;
	usize len_;
	usize pos_ = 0;
	usize line_ = 0; // end of the last complete line
	bool full_ = false;
};

const char *const kMetricNames[kMetrics] = {"wakeup", "response", "relief", "irqthread"};

} // namespace

extern "C" {

void mxrt_lat_task_init(mxrt_lat_task *t, mxrt_s32 pid, mxrt_s32 tgid, const char *comm, int is_irq_thread,
			int capture) noexcept {
	ZeroTask(t);
	t->pid = pid;
	t->tgid = tgid;
	CopyComm(t->comm, comm);
	t->is_irq_thread = is_irq_thread != 0;
	t->capture = CaptureMode(capture);
	t->wait_cpu = -1;
	t->waiter_cpu = -1;
	t->state = MXRT_LAT_ST_SLEEPING;
	for (u32 m = 0; m < kMetrics; m++)
		t->stat[m].min_ns = kNone;
}

void mxrt_lat_set_comm(mxrt_lat_task *t, const char *comm) noexcept {
	char c[MXRT_LAT_COMM_LEN];
	CopyComm(c, comm);
	WordU64 *w = reinterpret_cast<WordU64 *>(t->comm);
	for (u32 i = 0; i < 2; i++) {
		u64 v;
		__builtin_memcpy(&v, c + 8 * i, 8);
		AtomicRef<u64>(w[i]).Store(v, MemoryOrder::kRelaxed); // read by LoadComm
	}
}

void mxrt_lat_comm(const mxrt_lat_task *t, char out[MXRT_LAT_COMM_LEN]) noexcept { LoadComm(t, out); }

void mxrt_lat_set_slo(mxrt_lat_task *t, mxrt_lat_metric m, mxrt_u64 ns) noexcept {
	if (u32(m) < kMetrics)
		AtomicRef(t->stat[m].slo_ns).Store(ns, MemoryOrder::kRelaxed); // AddValue loads it once per value
}

void mxrt_lat_set_capture(mxrt_lat_task *t, int capture) noexcept {
	AtomicRef(t->capture).Store(CaptureMode(capture), MemoryOrder::kRelaxed);
}

void mxrt_lat_reset(mxrt_lat_task *t) noexcept {
	ResetNow(t);
	t->reset_done = AtomicRef(t->reset_req).Load(MemoryOrder::kRelaxed); // covers earlier requests too
}

void mxrt_lat_request_reset(mxrt_lat_task *t) noexcept {
	AtomicRef(t->reset_req).FetchAdd(1u, MemoryOrder::kRelaxed); // read by TakeResetRequest
}

void mxrt_lat_wakeup(mxrt_lat_task *t, const void *waker, const void *woken, mxrt_u32 cpu, mxrt_u64 ts_ns) noexcept {
	TakeResetRequest(t);
	if (AtomicRef(t->state).Load(MemoryOrder::kRelaxed) != MXRT_LAT_ST_SLEEPING) {
		// Already runnable: the cycle goes on, with this wake-up in its trace (not in the relief
		// period's, which keeps only its first wake-up).
		if (t->in_cycle && t->cyc_traced)
			TraceWakeup(t, waker, woken, cpu, ts_ns, false, false);
		return;
	}
	// Whether this cycle keeps a trace is decided now, for all of it: a trace needs the switches
	// from its wake-up on. Cycles that keep none cost no copies, no CPU log and no waiters count.
	const u32 traced = WantsTraces(t);
	const bool relief_starts = !t->relief_active; // the first wakeup after a timer sleep starts one
	t->in_cycle = 1;
	t->cyc_traced = traced;
	t->wakeup_pending = 1;
	t->wake_ts = ts_ns;
	t->run_ns = 0;
	if (relief_starts) {
		t->relief_active = 1;
		t->relief_start_ts = ts_ns;
		t->relief_traced = traced;
	} else if (!traced) {
		t->relief_traced = 0; // a cycle of it left no switches to trace
	}
	// Later wake-ups of a relief period are not recorded there: its trace keeps its start and the
	// timer arms (every cycle of a task that never sleeps on a timer would otherwise cost a copy).
	if (traced)
		TraceWakeup(t, waker, woken, cpu, ts_ns, true, relief_starts);
	SetState(t, MXRT_LAT_ST_WAITING, s32(cpu));
	WaitOn(t, cpu, ts_ns);
}

void mxrt_lat_switch(mxrt_lat_cpu_log *log, mxrt_lat_task *prev_t, mxrt_lat_task *next_t, const void *prev,
		     const void *next, mxrt_u64 ts_ns, int voluntary) noexcept {
	const u32 cpu = log->cpu, vol = voluntary != 0;
	// Into the log first (a trace published by this very switch reads it from there), if a trace
	// wants it: the running cycle of prev or next keeps one, or such a task waits on this CPU.
	if ((prev_t != nullptr && prev_t->cyc_traced) || (next_t != nullptr && next_t->cyc_traced) ||
	    AtomicRef(log->waiters).Load(MemoryOrder::kRelaxed) != 0)
		LogSwitch(log, prev, next, ts_ns, vol);
	if (prev_t != nullptr)
		SwitchOut(prev_t, cpu, ts_ns, vol);
	if (next_t != nullptr)
		SwitchIn(next_t, next, cpu, ts_ns);
}

void mxrt_lat_on_timer_arm(mxrt_lat_task *t, mxrt_u64 ts_ns) noexcept {
	TakeResetRequest(t);
	t->timer_armed = 1;
	// Into the running cycle's and relief period's traces, where they keep one.
	const bool cyc = t->in_cycle && t->cyc_traced, relief = t->relief_active && t->relief_traced;
	if (!cyc && !relief)
		return;
	char comm[MXRT_LAT_COMM_LEN];
	LoadComm(t, comm);
	const View e = {ts_ns, t->last_cpu, 0, t->pid, t->pid, t->last_prio, t->last_prio, comm, comm};
	const Words w = EventWords(e, MXRT_LAT_EV_TIMER_ARM);
	if (cyc)
		Append(&t->cur, w);
	if (relief)
		Append(&t->relief_cur, w);
}

void mxrt_lat_on_migrate(mxrt_lat_task *t, mxrt_u32 new_cpu, mxrt_u64 ts_ns) noexcept {
	const u32 st = AtomicRef(t->state).Load(MemoryOrder::kRelaxed);
	if (st == MXRT_LAT_ST_WAITING || st == MXRT_LAT_ST_PREEMPTED) {
		SetState(t, mxrt_lat_state(st), s32(new_cpu));
		WaitOn(t, new_cpu, ts_ns);
	}
}

void mxrt_lat_detach(mxrt_lat_task *t) noexcept { SetState(t, MXRT_LAT_ST_SLEEPING, -1); }

void mxrt_lat_set_task_layout(const mxrt_lat_task_layout *layout) noexcept { g_layout = *layout; }

void mxrt_lat_cpu_logs_init(mxrt_lat_cpu_log *logs, mxrt_u32 n) noexcept {
	for (mxrt_u32 c = 0; c < n; c++) {
		ZeroWords(&logs[c]);
		logs[c].cpu = c;
	}
}

void mxrt_lat_set_cpu_logs(mxrt_lat_task *t, mxrt_lat_cpu_log *logs, mxrt_u32 ncpus) noexcept {
	t->logs = logs;
	t->nlogs = ncpus;
}

int mxrt_lat_waiting(const mxrt_lat_task *t) noexcept {
	const u32 st = AtomicRef(t->state).Load(MemoryOrder::kRelaxed);
	return st == MXRT_LAT_ST_WAITING || st == MXRT_LAT_ST_PREEMPTED;
}

mxrt_s32 mxrt_lat_wait_cpu(const mxrt_lat_task *t) noexcept {
	return mxrt_lat_waiting(t) ? AtomicRef(t->wait_cpu).Load(MemoryOrder::kRelaxed) : -1;
}

void mxrt_lat_stat_read(const mxrt_lat_task *t, mxrt_lat_metric m, mxrt_lat_stat *out) noexcept {
	constexpr MemoryOrder acq = MemoryOrder::kAcquire;
	if (u32(m) >= kMetrics) {
		*out = {};
		out->min_ns = kNone;
		return;
	}
	const mxrt_lat_stat *s = &t->stat[m];
	const kstd::SeqCountRef stat_seq(const_cast<u64 &>(t->stat_seq));
	for (u32 attempt = 0; attempt < kReadRetries; attempt++) {
		const u64 seq = stat_seq.ReadBegin(); // a reset is a write section of stat_seq
		// count first (the snapshot's acquire load pairs with AddValue's release store of it):
		// everything after it includes its values.
		const mxrt::Log2Snapshot h = Hist(s).Snapshot();
		out->count = h.count;
		out->min_ns = h.min;
		out->max_ns = h.max;
		out->sum_ns = h.sum;
		for (u32 b = 0; b < kBuckets; b++)
			out->hist[b] = h.bucket[b];
		out->slo_ns = AtomicRef(s->slo_ns).Load(acq);
		out->violations = AtomicRef(s->violations).Load(acq);
		if (!stat_seq.ReadRetry(seq))
			return;
	}
	// Every attempt overlapped a reset (only resets move stat_seq): the copy may mix the two
	// sides, so it is not returned. The empty statistics are what the metric held right after
	// the first of those resets began, a state it really had during this call, so they are the
	// answer (slo_ns survives resets). A writer stopped inside a reset gets here too.
	*out = {};
	out->min_ns = kNone;
	out->slo_ns = AtomicRef(s->slo_ns).Load(acq);
}

int mxrt_lat_trace_read(const mxrt_lat_task *t, mxrt_lat_metric m, mxrt_lat_trace *out) noexcept {
	if (u32(m) >= kMetrics)
		return -MXRT_EINVAL;
	const kstd::SeqCountRef seq(const_cast<u64 &>(t->worst_seq[m]));
	for (u32 attempt = 0; attempt < kReadRetries; attempt++) {
		const u64 s = seq.ReadBegin(); // a publication is a write section (Publish)
		if (s & 1)
			continue;
		kstd::SeqLoad(out, &t->worst[m], sizeof(*out)); // straight into out, no temporary
		if (!seq.ReadRetry(s)) {
			if (out->n > kEvents) // cannot happen; keeps a reader's loop bounded regardless
				out->n = kEvents;
			return 0;
		}
	}
	return -MXRT_EAGAIN;
}

mxrt_u64 mxrt_lat_stat_permille(const mxrt_lat_stat *s, mxrt_u32 permille) noexcept {
	return Hist(s).Percentile(permille);
}

const char *mxrt_lat_metric_name(mxrt_lat_metric m) noexcept {
	return u32(m) < kMetrics ? kMetricNames[m] : "?";
}

mxrt_size mxrt_lat_format_stats(const mxrt_lat_task *t, char *buf, mxrt_size len) noexcept {
	Text out(buf, len);
	for (u32 m = 0; m < kMetrics; m++) {
		mxrt_lat_stat s;
		mxrt_lat_stat_read(t, mxrt_lat_metric(m), &s);
		const bool any = s.count != 0;
		out.S64(t->pid);
		out.Ch(' ');
		out.S64(t->tgid);
		out.Ch(' ');
		char comm[MXRT_LAT_COMM_LEN];
		LoadComm(t, comm);
		out.Comm(comm);
		out.Ch(' ');
		out.Str(kMetricNames[m]);
		out.Ch(' ');
		out.U64(s.count);
		const u64 cols[] = {s.min_ns, s.max_ns, any ? s.sum_ns / s.count : 0,
				    mxrt_lat_stat_permille(&s, 500), mxrt_lat_stat_permille(&s, 990)};
		for (u32 i = 0; i < kstd::ArraySize(cols); i++) {
			out.Ch(' ');
			if (!any && i != 1)
				out.Ch('-');
			else
				out.U64(cols[i]);
		}
		out.Ch(' ');
		if (s.slo_ns == 0)
			out.Ch('-');
		else
			out.U64(s.slo_ns);
		out.Ch(' ');
		out.U64(s.violations);
		out.EndLine();
	}
	return out.Finish();
}

mxrt_size mxrt_lat_format_summary(const mxrt_lat_task *t, char *buf, mxrt_size len) noexcept {
	Text out(buf, len);
	bool first = true;
	for (u32 m = 0; m < kMetrics; m++) {
		if (m == MXRT_LAT_IRQTHREAD && !t->is_irq_thread)
			continue;
		mxrt_lat_stat s;
		mxrt_lat_stat_read(t, mxrt_lat_metric(m), &s);
		if (!first)
			out.Str("; ");
		first = false;
		out.Str(kMetricNames[m]);
		out.Str(" n=");
		out.U64(s.count);
		if (s.count != 0) {
			const char *const names[] = {" min=", " avg=", " p50=", " p99=", " max="};
			const u64 vals[] = {s.min_ns, s.sum_ns / s.count, mxrt_lat_stat_permille(&s, 500),
					    mxrt_lat_stat_permille(&s, 990), s.max_ns};
			for (u32 i = 0; i < kstd::ArraySize(vals); i++) {
				out.Str(names[i]);
				out.U64(vals[i]);
			}
		}
		if (s.slo_ns != 0) {
			out.Str(" slo=");
			out.U64(s.slo_ns);
			out.Str(" viol=");
			out.U64(s.violations);
		}
		out.Keep();
	}
	return out.Finish();
}

mxrt_size mxrt_lat_format_hist(const mxrt_lat_task *t, mxrt_lat_metric m, char *buf, mxrt_size len) noexcept {
	Text out(buf, len);
	if (u32(m) < kMetrics) {
		mxrt_lat_stat s;
		mxrt_lat_stat_read(t, m, &s);
		for (u32 b = 0; b < kBuckets; b++) {
			if (s.hist[b] == 0)
				continue;
			out.U64(mxrt::Log2BucketLow(b));
			out.Ch(' ');
			out.U64(b == kBuckets - 1 ? kNone : mxrt::Log2BucketHigh(b) + 1);
			out.Ch(' ');
			out.U64(s.hist[b]);
			out.EndLine();
		}
	}
	return out.Finish();
}

mxrt_size mxrt_lat_format_trace(const mxrt_lat_trace *tr, char *buf, mxrt_size len) noexcept {
	Text out(buf, len);
	out.Str("value_ns=");
	out.U64(tr->value_ns);
	out.Str(" start_ns=");
	out.U64(tr->start_ns);
	out.Str(" end_ns=");
	out.U64(tr->end_ns);
	out.Str(" events=");
	out.U64(tr->n);
	out.Str(" dropped=");
	out.U64(tr->dropped);
	out.EndLine();
	const u32 n = tr->n < kEvents ? tr->n : kEvents;
	for (u32 i = 0; i < n; i++) {
		const mxrt_lat_event &e = tr->ev[i];
		if (e.ts_ns >= tr->start_ns) {
			out.Ch('+');
			out.U64(e.ts_ns - tr->start_ns);
		} else {
			out.Ch('-');
			out.U64(tr->start_ns - e.ts_ns);
		}
		out.Ch(' ');
		out.U64(e.cpu);
		out.Ch(' ');
		out.Str(e.type == MXRT_LAT_EV_WAKEUP	  ? "wakeup"
			: e.type == MXRT_LAT_EV_SWITCH	  ? "switch"
			: e.type == MXRT_LAT_EV_TIMER_ARM ? "timer"
							  : "?");
		out.Ch(' ');
		out.Task(e.prev_comm, e.prev_pid, e.prev_prio);
		if (e.type == MXRT_LAT_EV_SWITCH)
			out.Str(e.prev_state == 0 ? " preempt" : " sleep");
		if (e.type != MXRT_LAT_EV_TIMER_ARM) {
			out.Str(" -> ");
			out.Task(e.next_comm, e.next_pid, e.next_prio);
		}
		out.EndLine();
	}
	return out.Finish();
}

} // extern "C"
