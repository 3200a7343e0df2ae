/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (C glue only; C++ never includes it).
 *
 * Every difference between the kernels the suite builds for, in one place. The glue is written for
 * the newest interface and names it through these macros; each entry says which kernel changed the
 * interface and what the older spelling is. The oldest kernel every module builds for and is
 * tested on is 6.1 (Debian 12's own kernel; the minimum is enforced in kernel/Kbuild.kver, which
 * names the modules an older kernel cannot get); 6.12 is the newest tested.
 *
 * Include it after the kernel headers whose structures it adapts.
 */
#ifndef MXRT_PLATFORM_COMPAT_H
#define MXRT_PLATFORM_COMPAT_H

#include <linux/version.h>

/*
 * struct i2c_driver: the probe callback lost its i2c_device_id argument in 6.3 ("i2c: Switch
 * .probe() to not take an id parameter"); before, the one-argument
 * callback was .probe_new. Use: .MXRT_I2C_PROBE = my_probe, with int my_probe(struct i2c_client *).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define MXRT_I2C_PROBE probe
#else
#define MXRT_I2C_PROBE probe_new
#endif

/*
 * struct platform_driver: .remove returns void since 6.11 ("platform: Make
 * platform_driver::remove() return void"); before, it returned an int that the core ignored.
 * Write the callback as void NAME(struct platform_device *), put MXRT_PLATFORM_REMOVE_DEFINE(NAME)
 * after it, and name it as .remove = MXRT_PLATFORM_REMOVE(NAME). (The interim .remove_new, 6.3 to
 * 6.12, is also in later 6.1.y releases but not in every 6.1: the int form is in all of them.)
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define MXRT_PLATFORM_REMOVE_DEFINE(name)
#define MXRT_PLATFORM_REMOVE(name) (name)
#else
#define MXRT_PLATFORM_REMOVE_DEFINE(name)                                   \
	static int name##_mxrt_int(struct platform_device *pdev)             \
	{                                                                    \
		name(pdev);                                                  \
		return 0;                                                    \
	}
#define MXRT_PLATFORM_REMOVE(name) (name##_mxrt_int)
#endif

/*
 * struct hwmon_chip_info: .info points to const pointers since 6.4 ("hwmon: constify
 * pointers to hwmon_channel_info"); 6.1 takes a non-const array of them.
 * Use: static const struct hwmon_channel_info *MXRT_HWMON_INFO_CONST info[] = { ... };
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define MXRT_HWMON_INFO_CONST const
#else
#define MXRT_HWMON_INFO_CONST
#endif

#endif /* MXRT_PLATFORM_COMPAT_H */
