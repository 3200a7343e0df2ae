/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Runs in: user space (C and C++): mxrtd, the daemon that reads /dev/max30102-N, and the programs
 * that consume what it publishes (mxrt-top, your own).
 *
 * The ABI of mxrtd's outputs (docs/daemon.md, "The shared-memory ABI"):
 *   - a POSIX shared-memory segment per device, /dev/shm/<prefix>-<device> (shm_open name
 *     "/mxrtd-max30102-0" for /dev/max30102-0 by default): struct mxrtd_shm, then the sample ring;
 *   - a POSIX message queue of the same name: one struct mxrtd_vitals_msg per vitals update;
 *   - a FIFO, <fifo_dir>/<device>.fifo: one text line per vitals update (format below).
 * Every field has a fixed size and offset on every architecture (64-bit fields are 8-aligned,
 * padding is explicit; checked at build time by the daemon, tests/user/mxrtd/shm_test.cpp).
 *
 * Compatibility: a reader checks magic and version. The version changes only when a field moves
 * or changes meaning; fields are added in the reserved space (a daemon that does not fill one
 * leaves it 0), and should that run out the header grows: the ring starts at header_size (4096
 * from this daemon, never less), so a reader built for version 1 that finds the ring there reads
 * any version-1 segment.
 *
 * Concurrency. The daemon is the only writer; readers map the segment read-only (mode 0644 by
 * default) and never block the daemon.
 *   - Seqlock sections (vitals, temp, config): the writer makes `seq` odd, writes the fields, makes
 *     `seq` even again with a release store. A reader loads seq (acquire), retries while it is odd,
 *     copies the fields, issues an acquire fence (or loads every field with acquire), and retries
 *     if seq changed: what it copied is then one consistent update. A writer can be preempted
 *     inside its section (the temperature and configuration are written at SCHED_OTHER): after a
 *     few spins, sleep between tries, so that it can finish; a copy from a try that failed is
 *     torn, never to be used (mxrtd's own readers give up after about 20 ms and show nothing).
 *   - The sample ring (position form of the same protocol): `writing` is stored before any slot
 *     of a batch is written (then a release fence), `head` after the batch (release). Records
 *     [head - ring_records, head) are readable. A reader loads head (acquire), copies the records
 *     from its cursor up to head (at most ring_records), issues an acquire fence, reloads
 *     `writing`, and drops every copied record with index < writing - ring_records (the writer may
 *     have overwritten it during the copy): those, and any it was lapped by before copying, are
 *     its overrun. Record i is in slot i % ring_records. Between two records a, b published one
 *     after the other, b.seq == a.seq + 1 + b.lost (the driver's promise, docs/max30102.md).
 *   - Statistics: each 64-bit counter is written with a single atomic store by one thread; read
 *     each with an atomic (relaxed) load. Counters only grow.
 *   - Futex words (struct mxrtd_shm_events): each is a 32-bit futex word that the daemon
 *     increments (release) after publishing, then wakes every waiter with FUTEX_WAKE (shared, not
 *     FUTEX_PRIVATE_FLAG). A consumer reads the words (acquire), checks its data, and sleeps in
 *     futex_waitv(2) on the words it cares about with the values it read (FUTEX_32, shared), so an
 *     update between its check and its sleep makes the call return at once (EAGAIN).
 *     `state` becomes MXRTD_STATE_STOPPED when the daemon shuts down (wakes everyone).
 * Liveness: a running daemon holds an open-file-description write lock on the whole segment
 * (fcntl F_OFD_SETLK, F_WRLCK), which only a writable open file can take; a reader asks with
 * F_OFD_GETLK (l_type F_RDLCK, l_start 0, l_len 0): l_type other than F_UNLCK back means a daemon
 * runs. (It also holds flock(LOCK_EX), for readers of the older rule; but any user's read-only
 * file can take a flock, so a flock says nothing.) A segment that is not write-locked, whatever
 * its state (RUNNING, or STARTING with the magic set), was left by a daemon that died; the next
 * daemon replaces it. A daemon that dies never says STOPPED: a consumer waits with a timeout and
 * checks the lock when it expires.
 */
#ifndef MXRT_UAPI_MXRTD_H
#define MXRT_UAPI_MXRTD_H

#include <linux/types.h>
#include <mxrt/max30102.h>

#define MXRTD_SHM_MAGIC 0x314853544452584dULL /* "MXRTDSH1" in memory on little-endian */
#define MXRTD_SHM_VERSION 1
#define MXRTD_SHM_HEADER_SIZE 4096 /* the fixed part; the ring starts at header_size (>= this) */
#define MXRTD_SHM_PREFIX "mxrtd"   /* default name prefix: "/mxrtd-max30102-0" */

/* mxrtd_shm.events.state */
#define MXRTD_STATE_STARTING 0 /* the segment is being set up: wait for RUNNING */
#define MXRTD_STATE_RUNNING 1
#define MXRTD_STATE_STOPPED 2 /* the daemon stopped (the name is unlinked too) */

/* Scheduling policy and methods, as the daemon runs them (config.sched_policy, ...) */
#define MXRTD_POLICY_OTHER 0
#define MXRTD_POLICY_FIFO 1
#define MXRTD_POLICY_DEADLINE 6
#define MXRTD_IO_URING 1 /* io_uring: batched reads into registered buffers */
#define MXRTD_IO_POLL 2  /* poll() then a non-blocking read() */
#define MXRTD_IO_READ 3  /* blocking read() */
#define MXRTD_WAIT_FUTEX_WAITV 1 /* consumers: futex_waitv on several words */
#define MXRTD_WAIT_FUTEX 2       /* consumers: FUTEX_WAIT on the `any` word (kernel < 5.16) */

/* 32-bit futex words, each on its own cache line. */
struct mxrtd_futex_word {
	__u32 value;
	__u32 pad[15];
};

struct mxrtd_shm_events {
	struct mxrtd_futex_word samples; /* +1 for every batch of records published in the ring */
	struct mxrtd_futex_word vitals;  /* +1 for every vitals update */
	struct mxrtd_futex_word temp;    /* +1 for every temperature reading */
	struct mxrtd_futex_word state;   /* MXRTD_STATE_*: the shutdown event */
	struct mxrtd_futex_word any;     /* +1 with every one of the above (single-word waiters) */
	struct mxrtd_futex_word reserved[3];
};

struct mxrtd_shm_ring {
	__u64 head;    /* records published (index of the next one) */
	__u64 writing; /* end of the batch being written; == head between batches */
	__u32 records; /* slots, a power of two (== header.ring_records) */
	__u32 record_size; /* sizeof(struct mxrt_max30102_record) */
	__u64 pad[5];
};

/* The latest vitals from the driver (seqlock section). */
struct mxrtd_shm_vitals {
	__u64 seq;          /* seqlock count: odd while the daemon writes */
	__u64 updates;      /* vitals updates published so far */
	__u64 sample_seq;   /* seq of the record the values were evaluated at */
	__u64 timestamp_ns; /* ... its timestamp (CLOCK_MONOTONIC) */
	__u64 published_ns; /* when the daemon published them (CLOCK_MONOTONIC) */
	__u32 flags;        /* MXRT_MAX30102_VITALS_* (the driver's; NONE: nothing measured yet) */
	__u32 hr_mbpm;      /* heart rate, 1/1000 bpm (with HR_VALID) */
	__u32 spo2_mpct;    /* SpO2, 1/1000 % (with SPO2_VALID) */
	__u32 confidence;   /* 0..100 */
	__u64 pad;
};
#define MXRTD_VITALS_NONE 0x8000 /* == MXRT_MAX30102_VITALS_NONE */

/* The die temperature (seqlock section). */
#define MXRTD_TEMP_VALID 0x0001
struct mxrtd_shm_temp {
	__u64 seq;
	__u64 updates;
	__u64 timestamp_ns; /* when it was read (CLOCK_MONOTONIC) */
	__s32 millicelsius;
	__u32 flags;  /* MXRTD_TEMP_VALID once a reading succeeded */
	__u32 errors; /* readings that failed */
	__u32 pad[7];
};

/* What the daemon runs with (seqlock section; rewritten at SIGHUP). */
struct mxrtd_shm_config {
	__u64 seq;
	/* the device, as last applied and read back (0: unknown) */
	__u32 mode, sample_rate_hz, pulse_width_us, adc_range_na;
	__u32 sample_average, fifo_almost_full, red_current_ua, ir_current_ua;
	/* the acquisition thread */
	__u32 sched_policy;   /* MXRTD_POLICY_* in force */
	__u32 sched_priority; /* SCHED_FIFO priority */
	__u64 runtime_ns, deadline_ns, period_ns; /* SCHED_DEADLINE */
	__u64 cpus;           /* CPUs 0..63 it may run on (bit mask; 0: not pinned) */
	__u32 io_method;      /* MXRTD_IO_* in force */
	__u32 wait_method;    /* MXRTD_WAIT_* the daemon's consumers use */
	__u32 mlocked;        /* 1: memory locked */
	__u32 batch;          /* records per read */
	__u64 reloads;        /* SIGHUP reloads applied */
	__u64 pad[3];
};

/*
 * The daemon's statistics. acq_*: the acquisition thread; mon_*: the daemon's own consumer of the
 * ring (the same reader protocol as any program); mq_*, fifo_*: the publisher thread.
 */
struct mxrtd_shm_stats {
	__u64 acq_records;        /* records read from the device and published */
	__u64 acq_lost;           /* sum of the records' lost counts (each loss is flagged below) */
	__u64 acq_fifo_overflows; /* records with MXRT_MAX30102_REC_FIFO_OVERFLOW */
	__u64 acq_overruns;       /* records with MXRT_MAX30102_REC_READER_OVERRUN (the daemon fell
				   * behind the driver's ring) */
	__u64 acq_restarts;       /* records with MXRT_MAX30102_REC_RESTART */
	__u64 acq_violations;     /* b.seq != a.seq + 1 + b.lost: never, unless something is broken */
	__u64 acq_batches;        /* completed reads that returned records */
	__u64 acq_wakeups;        /* times the acquisition thread woke up */
	__u64 acq_read_errors;    /* reads that failed (not EAGAIN/EINTR) */
	__u64 acq_last_seq;       /* seq of the newest record */
	__u64 acq_last_ts_ns;     /* its timestamp */
	__u64 mon_records;        /* records the daemon's consumer read from the ring */
	__u64 mon_overruns;       /* times it was lapped (a stalled consumer) */
	__u64 mon_lost;           /* records it lost to that */
	__u64 mon_wakeups;        /* times that consumer woke up: one thread for all devices, so each segment has the same count */
	__u64 mq_sent;            /* vitals messages queued */
	__u64 mq_dropped;         /* not queued: the queue was full (nobody reading it) */
	__u64 fifo_lines;         /* lines written to the FIFO */
	__u64 fifo_dropped;       /* not written: the FIFO was full (a reader not keeping up) */
	__u64 fifo_no_reader;     /* not written: nobody had the FIFO open */
	__u64 vitals_errors;      /* vitals that could not be read from the driver */
	__u64 dl_overruns;        /* SCHED_DEADLINE runtime overruns (SIGXCPU): the daemon's, all devices */
	__u64 reserved[10];
};

/* A latency histogram (ns): the project's log2 buckets (bucket k: [2^k, 2^(k+1)), bucket 0 also 0
 * and 1, the last everything from 2^39). Written by one thread. */
#define MXRTD_LAT_BUCKETS 40
struct mxrtd_shm_latency {
	__u64 count, min, max, sum; /* min is ~0 while count == 0 */
	__u64 bucket[MXRTD_LAT_BUCKETS];
};

struct mxrtd_shm {
	/* 0: identity (written before state becomes RUNNING, then constant) */
	__u64 magic;        /* MXRTD_SHM_MAGIC, stored last at creation (release) */
	__u32 version;      /* MXRTD_SHM_VERSION */
	__u32 header_size;  /* where the ring starts: MXRTD_SHM_HEADER_SIZE or more, 8-aligned */
	__u64 total_size;   /* header_size + ring_records * record_size */
	__u32 ring_records; /* a power of two */
	__u32 record_size;  /* 32 */
	__u32 pid;          /* the daemon */
	__u32 device_index; /* N of /dev/max30102-N */
	__u64 started_ns;   /* CLOCK_MONOTONIC at start */
	char device[64];    /* the device path, NUL-terminated */
	__u64 pad0[2];
	/* 128 */
	struct mxrtd_shm_events events;
	/* 640 */
	struct mxrtd_shm_ring ring;
	/* 704 */
	struct mxrtd_shm_vitals vitals;
	/* 768 */
	struct mxrtd_shm_temp temp;
	/* 832 */
	struct mxrtd_shm_config config;
	/* 960 */
	struct mxrtd_shm_stats stats;
	/* 1216 */
	struct mxrtd_shm_latency acq_latency; /* sample's IRQ -> the acquisition thread has it */
	/* 1568 */
	struct mxrtd_shm_latency mon_latency; /* sample's IRQ -> the daemon's consumer woke up */
	/* 1920 */
	__u64 reserved[272];
	/* 4096 (header_size): struct mxrt_max30102_record ring[ring_records] */
};

#define MXRTD_OFF_EVENTS 128
#define MXRTD_OFF_RING 640
#define MXRTD_OFF_VITALS 704
#define MXRTD_OFF_TEMP 768
#define MXRTD_OFF_CONFIG 832
#define MXRTD_OFF_STATS 960
#define MXRTD_OFF_ACQ_LATENCY 1216
#define MXRTD_OFF_MON_LATENCY 1568

/* ---- the message queue: one message per vitals update ------------------------------------------ */
#define MXRTD_MSG_VERSION 1
struct mxrtd_vitals_msg {
	__u16 version;      /* MXRTD_MSG_VERSION */
	__u16 size;         /* sizeof(struct mxrtd_vitals_msg) */
	__u32 device_index; /* N of /dev/max30102-N */
	__u64 update;       /* vitals.updates after this one (1, 2, ...): a gap = messages dropped */
	__u64 sample_seq;   /* as struct mxrtd_shm_vitals */
	__u64 timestamp_ns;
	__u32 flags;        /* MXRT_MAX30102_VITALS_* */
	__u32 hr_mbpm;
	__u32 spo2_mpct;
	__u32 confidence;
	__s32 temp_millicelsius; /* the latest temperature (with MXRTD_MSG_TEMP_VALID) */
	__u32 msg_flags;         /* MXRTD_MSG_* */
};
#define MXRTD_MSG_TEMP_VALID 0x0001
#define MXRTD_MSG_SIZE 56

/*
 * The FIFO: one line per vitals update, space-separated key=value words (stable order; new keys
 * may be added at the end):
 *   dev=max30102-0 update=12 seq=48211 t=123.456789 hr=72.0 spo2=97.0 conf=85 finger=1 temp=36.50
 * hr, spo2: "-" when not valid; finger: 1, 0, or "-" (not known yet); temp: "-" when not read.
 * t is the sample's CLOCK_MONOTONIC time in seconds.
 */

#endif /* MXRT_UAPI_MXRTD_H */
