/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (called by kernel/max30102/sim/sim_glue.c, implemented by
 * kernel/max30102/sim/sim_core.cpp) and user space (tests).
 *
 * The C ABI of the MAX30102 simulator core: a register-accurate model of the chip, the signal it
 * measures, and the faults it can be told to produce. The core is not thread-safe: the caller
 * serialises every call (the module holds a raw spinlock, since the sample timer runs in hard IRQ
 * context). No call sleeps or allocates except create, destroy and replay_parse/replay_free.
 * Times are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef MXRT_MAX30102_SIM_H
#define MXRT_MAX30102_SIM_H

#include <lib/abi.h>

MXRT_EXTERN_C_BEGIN

struct mxrt_sim;
struct mxrt_sim_replay;

#define MXRT_SIM_NEVER (~0ull)
#define MXRT_SIM_MSG_READ 0x1

/* One I2C message, as i2c_msg carries it. */
struct mxrt_sim_msg {
	mxrt_u16 addr;
	mxrt_u16 flags; /* MXRT_SIM_MSG_READ */
	mxrt_u16 len;
	mxrt_u8 *buf;
};

/* What the interrupt line should do now (see mxrt_sim_irq_poll). */
enum mxrt_sim_irq_action {
	MXRT_SIM_IRQ_NONE = 0,  /* line idle, or the assertion is being suppressed (fault) */
	MXRT_SIM_IRQ_RAISE = 1, /* deliver an interrupt */
};

/* A chip at power-on (sleepable context). NULL when out of memory. */
struct mxrt_sim *mxrt_sim_create(mxrt_u64 now) MXRT_NOEXCEPT;
void mxrt_sim_destroy(struct mxrt_sim *sim) MXRT_NOEXCEPT;

/*
 * One I2C transaction (the messages of one i2c_transfer) addressed to the bus. Returns the number
 * of messages done, -MXRT_ENXIO for a NAK (no device at the address, or an injected NAK),
 * -MXRT_ETIMEDOUT for an injected bus timeout. *bus_ns is how long the transfer takes on the wire
 * at the configured bus speed (0 = instant); the caller waits that long after dropping its lock.
 */
int mxrt_sim_xfer(struct mxrt_sim *sim, struct mxrt_sim_msg *msgs, int n, mxrt_u64 now,
		  mxrt_u64 *bus_ns) MXRT_NOEXCEPT;

/* Brings the chip up to `now` (samples, conversions). */
void mxrt_sim_advance(struct mxrt_sim *sim, mxrt_u64 now) MXRT_NOEXCEPT;

/*
 * Called by the interrupt source after advance: whether to deliver an interrupt now. @masked: the
 * IRQ is masked (a threaded handler is running). Counts lost and storm interrupts.
 */
enum mxrt_sim_irq_action mxrt_sim_irq_poll(struct mxrt_sim *sim, mxrt_u64 now,
					   int masked) MXRT_NOEXCEPT;

/* When something next changes the interrupt line (MXRT_SIM_NEVER = nothing scheduled). */
mxrt_u64 mxrt_sim_next_event(struct mxrt_sim *sim, mxrt_u64 now) MXRT_NOEXCEPT;

/*
 * Run-time control: "key=value" words separated by blanks or newlines (see README, "Simulator").
 * All or nothing: -MXRT_EINVAL for an unknown key or a bad value, and nothing changes.
 */
int mxrt_sim_control(struct mxrt_sim *sim, const char *text, mxrt_size len,
		     mxrt_u64 now) MXRT_NOEXCEPT;

/* The state as text (registers, signal, faults, counters); returns the length written. */
mxrt_size mxrt_sim_show(struct mxrt_sim *sim, char *buf, mxrt_size size) MXRT_NOEXCEPT;

/* Reads one register without side effects (tests look at what the driver wrote). */
mxrt_u8 mxrt_sim_peek(struct mxrt_sim *sim, mxrt_u8 reg) MXRT_NOEXCEPT;

/*
 * A recorded PPG (the CSV of ../shared/data/ppg-oxiwear: LEDC1 = IR, LEDC2 = red, timestamps in
 * ms). Sleepable context. NULL with *err set for text that is not such a file.
 * replay_swap installs one (NULL: back to the physiological model) and returns the old one, which
 * the caller frees outside its lock.
 */
struct mxrt_sim_replay *mxrt_sim_replay_parse(const char *text, mxrt_size len,
					      int *err) MXRT_NOEXCEPT;
void mxrt_sim_replay_free(struct mxrt_sim_replay *r) MXRT_NOEXCEPT;
struct mxrt_sim_replay *mxrt_sim_replay_swap(struct mxrt_sim *sim, struct mxrt_sim_replay *r,
					     mxrt_u64 now) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_SIM_H */
