/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (called by kernel/max30102/sim/sim_glue.c, implemented by
 * kernel/max30102/sim/sim_core.cpp) and user space (tests).
 *
 * The C ABI of the MAX30102 simulator core: a register-accurate model of the chip, the signal it
 * measures, the interrupt line it drives, and the faults it can be told to produce. The core is
 * not thread-safe: the caller serialises every call on one mxrt_sim (the module holds a raw
 * spinlock, since the sample timer runs in hard IRQ context). No call sleeps or allocates except
 * create/destroy and the mxrt_sim_upload_* and mxrt_sim_replay_parse/free calls (sleepable context,
 * not under that lock). Times are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef MXRT_MAX30102_SIM_H
#define MXRT_MAX30102_SIM_H

#include <lib/abi.h>

MXRT_EXTERN_C_BEGIN

struct mxrt_sim;
struct mxrt_sim_replay;
struct mxrt_sim_upload;

#define MXRT_SIM_NEVER (~0ull)

/*
 * One I2C message, as i2c_msg carries it. flags: what the message asks of the bus. The glue maps
 * I2C_M_RD to READ, I2C_M_TEN to TEN, I2C_M_RECV_LEN to RECV_LEN, and the protocol-mangling flags
 * (I2C_M_NOSTART, I2C_M_REV_DIR_ADDR, I2C_M_IGNORE_NAK, I2C_M_NO_RD_ACK) to MANGLE; I2C_M_STOP
 * and I2C_M_DMA_SAFE (a property of the buffer) need nothing.
 */
#define MXRT_SIM_MSG_READ 0x1
#define MXRT_SIM_MSG_TEN 0x2
#define MXRT_SIM_MSG_RECV_LEN 0x4
#define MXRT_SIM_MSG_MANGLE 0x8

struct mxrt_sim_msg {
	mxrt_u16 addr;
	mxrt_u16 flags; /* MXRT_SIM_MSG_* */
	mxrt_u16 len;
	mxrt_u8 *buf;
};

/* What the interrupt line should do now (see mxrt_sim_irq_poll). */
enum mxrt_sim_irq_action {
	MXRT_SIM_IRQ_NONE = 0,  /* nothing to deliver, or the delivery is being suppressed (fault) */
	MXRT_SIM_IRQ_RAISE = 1, /* deliver an interrupt */
};

/* How the interrupt controller senses the INT pin (an active-low open-drain output). */
#define MXRT_SIM_TRIGGER_EDGE_RISING 0x1
#define MXRT_SIM_TRIGGER_EDGE_FALLING 0x2
#define MXRT_SIM_TRIGGER_EDGE_BOTH 0x3
#define MXRT_SIM_TRIGGER_LEVEL_HIGH 0x4
#define MXRT_SIM_TRIGGER_LEVEL_LOW 0x8 /* the default: the pin's own sense */

/* A chip at power-on (sleepable context). NULL when out of memory. */
struct mxrt_sim *mxrt_sim_create(mxrt_u64 now) MXRT_NOEXCEPT;
void mxrt_sim_destroy(struct mxrt_sim *sim) MXRT_NOEXCEPT;

/* *bus_ns of a transfer that hangs: see mxrt_sim_xfer. */
#define MXRT_SIM_BUS_HANG MXRT_SIM_NEVER

/*
 * One I2C transaction (the messages of one i2c_transfer) addressed to the bus. Returns the number
 * of messages done, -MXRT_EOPNOTSUPP for a message the adapter does not do (a 10-bit address, an
 * SMBus block-length read, protocol mangling: it advertises none of them) before anything reaches
 * the bus, -MXRT_ENXIO for a NAK (no device at the address, or an injected NAK), -MXRT_ETIMEDOUT
 * for an injected bus timeout or hang. *bus_ns is how long the transfer takes on the wire at the
 * configured bus speed (0 = instant); the caller waits that long after dropping its lock.
 * *bus_ns == MXRT_SIM_BUS_HANG: the bus is stuck (the hang fault; nothing reached the chip). The
 * caller, after dropping its lock, waits until a bus recovery (mxrt_sim_bus_recovery) that comes
 * after this call, or until its adapter's timeout, then returns mxrt_sim_hang_ended(recovered).
 */
int mxrt_sim_xfer(struct mxrt_sim *sim, struct mxrt_sim_msg *msgs, int n, mxrt_u64 now,
		  mxrt_u64 *bus_ns) MXRT_NOEXCEPT;

/*
 * How long the bus is held by someone else before this transaction can start (the busy_ms fault,
 * for the next FIFO_DATA read only; 0 otherwise). The caller waits that long, without its lock,
 * before mxrt_sim_xfer.
 */
mxrt_u64 mxrt_sim_bus_wait(struct mxrt_sim *sim, const struct mxrt_sim_msg *msgs, int n) MXRT_NOEXCEPT;

/*
 * The adapter's bus recovery ran (i2c_recover_bus). 0: it freed a stuck bus (a hung transfer
 * ends); -MXRT_EBUSY: it could not (the recovery_fails fault: SCL held low), nothing is freed.
 * Counted either way.
 */
int mxrt_sim_bus_recovery(struct mxrt_sim *sim) MXRT_NOEXCEPT;

/*
 * A hung transfer ended, freed by a bus recovery (@recovered) or given up after the adapter's
 * timeout. Counted; returns what the transfer returns (-MXRT_ETIMEDOUT: it was aborted).
 */
int mxrt_sim_hang_ended(struct mxrt_sim *sim, int recovered) MXRT_NOEXCEPT;

/*
 * The chip's supply (the simulator's GPIO line, when its power_gpio parameter is set; on from
 * create). Off: every transfer is NAKed (counted in unpowered_naks), nothing is sampled, INT is
 * released, the registers are lost. On again: a power-up, every register at its power-on value
 * with PWR_RDY set (counted in power_ups). Setting what is already set changes nothing.
 */
void mxrt_sim_set_power(struct mxrt_sim *sim, int on, mxrt_u64 now) MXRT_NOEXCEPT;

/* Brings the chip up to `now` (samples, conversions). */
void mxrt_sim_advance(struct mxrt_sim *sim, mxrt_u64 now) MXRT_NOEXCEPT;

/*
 * How the interrupt controller senses the line (MXRT_SIM_TRIGGER_*: one edge type or both edges,
 * or one level). 0, or -MXRT_EINVAL for no sense or a mix of edge and level (nothing changes).
 * Edge triggers deliver one interrupt per transition of the pin in that direction (latched while
 * masked, delivered at unmask); level triggers deliver while the pin is at that level.
 */
int mxrt_sim_irq_set_trigger(struct mxrt_sim *sim, mxrt_u32 trigger) MXRT_NOEXCEPT;

/*
 * Called by the interrupt source after advance: whether to deliver an interrupt now. @masked: the
 * controller's mask is set (a threaded handler is running). Counts lost and storm interrupts.
 */
enum mxrt_sim_irq_action mxrt_sim_irq_poll(struct mxrt_sim *sim, mxrt_u64 now,
					   int masked) MXRT_NOEXCEPT;

/*
 * Whether mxrt_sim_irq_poll would act now (deliver an interrupt, or drop one by the lose_irq
 * fault), without consuming anything: a latched edge stays latched. For a caller that cannot
 * deliver an interrupt in its own context (a transfer, a control write) and hands the poll to one
 * that can; whoever polls must deliver what the poll says, or the edge is gone.
 */
int mxrt_sim_irq_due(struct mxrt_sim *sim, int masked) MXRT_NOEXCEPT;

/*
 * When something next changes the interrupt line (MXRT_SIM_NEVER = nothing scheduled). @masked:
 * the host has the line masked, so a storm's glitches wait for the unmask (which polls) instead of
 * ticking at 50 kHz for nobody (a disabled, or unbound, interrupt).
 */
mxrt_u64 mxrt_sim_next_event(struct mxrt_sim *sim, mxrt_u64 now, int masked) MXRT_NOEXCEPT;

/*
 * The adapter's limits: at most this many messages per transfer, each of at most this many bytes
 * (the whole register space, and a full FIFO in the widest format: 32 samples of four multi-LED
 * slots of 3 bytes; until 2026-12-07 256, which refused a driver's one-message read of a full
 * FIFO with three or four slots); more is refused with -MXRT_EOPNOTSUPP.
 */
#define MXRT_SIM_MAX_MSGS 16
#define MXRT_SIM_MAX_MSG_LEN 384

/* 1 if @hz is one of the chip's eight sample rates (SPO2_SR), 0 otherwise. */
int mxrt_sim_sample_rate_known(mxrt_u32 hz) MXRT_NOEXCEPT;

/*
 * Run-time control: "key=value" words separated by blanks or newlines (see docs/max30102.md,
 * "The simulator"). All or nothing: -MXRT_EINVAL for text without a word, an unknown key or a bad
 * value, and nothing changes.
 */
int mxrt_sim_control(struct mxrt_sim *sim, const char *text, mxrt_size len,
		     mxrt_u64 now) MXRT_NOEXCEPT;

/* The state as text (registers, signal, faults, counters); returns the length written. */
mxrt_size mxrt_sim_show(struct mxrt_sim *sim, char *buf, mxrt_size size) MXRT_NOEXCEPT;

/* Reads one register without side effects (tests look at what the driver wrote). */
mxrt_u8 mxrt_sim_peek(struct mxrt_sim *sim, mxrt_u8 reg) MXRT_NOEXCEPT;

/*
 * A recorded PPG upload (the replay file), parsed as it arrives. The text is either exactly "off"
 * (with at most one line end: back to the physiological model) or a CSV like those of
 * ../shared/data/ppg-oxiwear: free preamble lines, a header row with "timestamp" first and
 * "LEDC1" (IR) and "LEDC2" (red) columns, data rows that start with a digit (timestamps in ms with
 * up to 3 fraction digits kept, strictly increasing, at most 24 h after the first; LED values
 * saturate at 18 bits), then a free trailer. Limits: 8 MiB, lines of 4096 bytes, 1000000 rows.
 *
 * feed parses every complete line it is given: 0, or the first error, which sticks (every later
 * feed and the finish return it): -MXRT_EINVAL for text that is not such a file, -MXRT_ERANGE for
 * a number out of range, -MXRT_EFBIG over a limit, -MXRT_ENOMEM. finish ends the text: 0 with
 * *replay the recording (NULL for "off"), or the error. upload_error tells where (line, 1-based;
 * 0 = the text as a whole) and why (a static sentence). All sleepable; an upload is one writer's.
 */
struct mxrt_sim_upload *mxrt_sim_upload_create(void) MXRT_NOEXCEPT;
int mxrt_sim_upload_feed(struct mxrt_sim_upload *u, const char *buf, mxrt_size len) MXRT_NOEXCEPT;
int mxrt_sim_upload_finish(struct mxrt_sim_upload *u, struct mxrt_sim_replay **replay) MXRT_NOEXCEPT;
mxrt_u32 mxrt_sim_upload_error(const struct mxrt_sim_upload *u, const char **why) MXRT_NOEXCEPT;
void mxrt_sim_upload_destroy(struct mxrt_sim_upload *u) MXRT_NOEXCEPT;

/*
 * Under the caller's lock: the outcome of a finished upload. err == 0 installs @replay (NULL: back
 * to the model) and returns the replay it replaces, which the caller frees outside its lock; an
 * error changes the signal source not at all and returns NULL. Either way the outcome (and for an
 * error, the line and reason from @u) shows in mxrt_sim_show.
 */
struct mxrt_sim_replay *mxrt_sim_upload_apply(struct mxrt_sim *sim, const struct mxrt_sim_upload *u,
					      int err, struct mxrt_sim_replay *replay,
					      mxrt_u64 now) MXRT_NOEXCEPT;

/*
 * A whole text at once (upload create, feed, finish): the recording, or NULL with *err set (0 and
 * NULL for "off"). replay_swap installs one (NULL: back to the physiological model) and returns
 * the old one, which the caller frees outside its lock.
 */
struct mxrt_sim_replay *mxrt_sim_replay_parse(const char *text, mxrt_size len,
					      int *err) MXRT_NOEXCEPT;
void mxrt_sim_replay_free(struct mxrt_sim_replay *r) MXRT_NOEXCEPT;
struct mxrt_sim_replay *mxrt_sim_replay_swap(struct mxrt_sim *sim, struct mxrt_sim_replay *r,
					     mxrt_u64 now) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_SIM_H */
