/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (called by the driver glue's ioctl handlers, kernel/max30102/driver_glue.c;
 * implemented by kernel/max30102/ioc.cpp) and user space (tests).
 *
 * The ioctl interface's decisions (the ABI is include/uapi/mxrt/max30102.h): which command a number
 * is, which argument sizes are accepted and what is copied back (the extensible-struct rules), the
 * conversions between the UAPI structs and the driver's state, and the lock timeout's range. The
 * glue copies bytes (get_user, copy_struct_from_user, copy_to_user, clear_user), takes the locks
 * and calls these.
 *
 * A command, as the glue runs it:
 *
 *	struct mxrt_ioc_cmd c;
 *	err = mxrt_ioc_decode(_IOC_TYPE(cmd), _IOC_NR(cmd), dir, _IOC_SIZE(cmd), &c);  // ENOTTY
 *	if (c.sized) {
 *		get_user(usize, (u32 __user *)arg);                                     // EFAULT
 *		err = mxrt_ioc_check_size(&c, _IOC_SIZE(cmd), usize);                  // EINVAL, E2BIG
 *		if (c.in) err = copy_struct_from_user(&k, c.ksize, uarg, usize);        // E2BIG, EFAULT
 *		... the command ...
 *		if (c.out) { n = mxrt_ioc_out(&c, usize, &k, &clear);
 *			     copy_to_user(uarg, &k, n); clear_user(uarg + n, clear); }
 *	}
 *
 * Errors are negative MXRT_E* values (the kernel's errno values). Every function is pure (no
 * lock, no sleeping): any context.
 */
#ifndef MXRT_MAX30102_IOC_H
#define MXRT_MAX30102_IOC_H

#include <lib/abi.h>
#include <max30102/acq.h>
#include <max30102/ring.h>
#include <max30102/vitals.h>
#include <mxrt/max30102.h>

MXRT_EXTERN_C_BEGIN

/* The direction bits of a command number, as the glue passes them (from _IOC_DIR). */
#define MXRT_IOC_DIR_WRITE 0x1 /* _IOC_WRITE: the caller passes data in */
#define MXRT_IOC_DIR_READ 0x2  /* _IOC_READ: the driver passes data out */

/* A command of the driver, decoded. op is its number (MXRT_MAX30102_NR_*). */
struct mxrt_ioc_cmd {
	mxrt_u32 op;
	mxrt_u32 sized;    /* 1: an extensible struct that starts with its size; 0: a scalar of ksize bytes */
	mxrt_u32 ksize;    /* the driver's size of the argument */
	mxrt_u32 min_size; /* sized: the first version's size, the smallest accepted */
	mxrt_u32 in;       /* the driver reads the whole argument (not only the size) */
	mxrt_u32 out;      /* the driver writes the argument back */
	mxrt_u32 needs_write; /* only on a file open for writing (else -MXRT_EBADF) */
};

/*
 * The command that @type, @nr, @dir (MXRT_IOC_DIR_* bits) and @size, the fields of an ioctl
 * number, make, in *c: 0. -MXRT_ENOTTY for anything that is not one of the driver's commands: an
 * other magic or number, another direction, a scalar command with another size. The size in the
 * number of a sized command is not judged here (mxrt_ioc_check_size).
 */
int mxrt_ioc_decode(mxrt_u32 type, mxrt_u32 nr, mxrt_u32 dir, mxrt_u32 size,
		    struct mxrt_ioc_cmd *c) MXRT_NOEXCEPT;

/*
 * A sized command's argument size: @usize is the caller's size field, @ioc_size the size its
 * command number carries. 0 if the driver takes it; -MXRT_EINVAL if the two differ or usize is
 * below the first version's size; -MXRT_E2BIG above MXRT_MAX30102_IOC_MAX_SIZE. (Bytes past the
 * driver's struct must then be 0: copy_struct_from_user says -E2BIG otherwise.)
 */
int mxrt_ioc_check_size(const struct mxrt_ioc_cmd *c, mxrt_u32 ioc_size, mxrt_u32 usize) MXRT_NOEXCEPT;

/*
 * An output struct @kstruct (the driver's, ksize bytes) for a caller whose struct is @usize bytes
 * (checked): stores min(usize, ksize) in its size field and returns it, the bytes to copy back;
 * *clear = the bytes of the caller's struct after them, to set to 0.
 */
mxrt_u32 mxrt_ioc_out(const struct mxrt_ioc_cmd *c, mxrt_u32 usize, void *kstruct,
		      mxrt_u32 *clear) MXRT_NOEXCEPT;

/*
 * SET_CONFIG: @u as copy_struct_from_user left it (a shorter caller's missing fields 0), from a
 * caller whose size field said @usize. Into *out: 0. -MXRT_EINVAL (and *out untouched) if the size
 * field changed meanwhile, flags is not 0, or the configuration is not valid
 * (mxrt_max30102_config_validate: the same rules as sysfs).
 */
int mxrt_ioc_config_in(const struct mxrt_max30102_ioc_config *u, mxrt_u32 usize,
		       struct mxrt_max30102_config *out) MXRT_NOEXCEPT;
/* GET_CONFIG: *c into *u (size is left for mxrt_ioc_out). */
void mxrt_ioc_config_out(const struct mxrt_max30102_config *c,
			 struct mxrt_max30102_ioc_config *u) MXRT_NOEXCEPT;

/* SET_LOCK_TIMEOUT: 0 for 0..MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS, else -MXRT_EINVAL. */
int mxrt_ioc_check_lock_timeout(mxrt_u32 ms) MXRT_NOEXCEPT;

/* GET_VITALS: @have = whether *v holds a value (else VITALS_NONE and zeros). */
void mxrt_ioc_vitals_out(const struct mxrt_vitals_out *v, int have,
			 struct mxrt_max30102_ioc_vitals *u) MXRT_NOEXCEPT;

/*
 * GET_STATS: the acquisition counters, the chip's state and the interrupt mode (device lock held:
 * *acq is the driver's; *h is read with relaxed loads), and this file's reader counters (its
 * reader lock held).
 */
void mxrt_ioc_stats_acq(const struct mxrt_acq *acq, const struct mxrt_irq_health *h, int has_irq,
			struct mxrt_max30102_ioc_stats *s) MXRT_NOEXCEPT;
void mxrt_ioc_stats_file(const struct mxrt_ring_reader *rd, struct mxrt_max30102_ioc_stats *s) MXRT_NOEXCEPT;

MXRT_EXTERN_C_END

#endif /* MXRT_MAX30102_IOC_H */
