/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (C glue only; C++ never includes it).
 *
 * Module parameter parsers the glue files share, so that every module refuses what it cannot take.
 *
 * A strict bool: exactly 0, 1, n, y, N or Y (or nothing: on, as for the kernel's bool). The
 * kernel's bool reads only the first character, so "client=nonsense" loaded as N and
 * "instantiate=yesplease" as Y.
 *
 *   static bool client = true;
 *   static const struct kernel_param_ops client_ops = MXRT_PARAM_STRICT_BOOL_OPS;
 *   module_param_cb(client, &client_ops, &client, 0444);
 *
 * A strict unsigned number: decimal digits only. The kernel's uint parses with base 0, so
 * "max_tasks=010" loaded as 8, "0x10" as 16 and "+100" as 100, where every other number this
 * project reads is decimal and "0310" means 310. (A range is each module's own check.)
 *
 *   static unsigned int max_tasks = 64;
 *   static const struct kernel_param_ops max_tasks_ops = MXRT_PARAM_STRICT_UINT_OPS;
 *   module_param_cb(max_tasks, &max_tasks_ops, &max_tasks, 0444);
 */
#ifndef MXRT_PLATFORM_PARAM_H
#define MXRT_PLATFORM_PARAM_H

#include <linux/moduleparam.h>
#include <linux/string.h>

static inline int mxrt_param_set_strict_bool(const char *val, const struct kernel_param *kp)
{
	if (val && (strlen(val) != 1 || !strchr("01nyNY", val[0])))
		return -EINVAL;
	return param_set_bool(val, kp);
}

#define MXRT_PARAM_STRICT_BOOL_OPS                                                                 \
	{                                                                                          \
		.flags = KERNEL_PARAM_OPS_FL_NOARG, .set = mxrt_param_set_strict_bool,             \
		.get = param_get_bool,                                                             \
	}

static inline int mxrt_param_set_strict_uint(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (!val || !val[0] || val[0] == '+' || kstrtouint(val, 10, &v))
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	return 0;
}

#define MXRT_PARAM_STRICT_UINT_OPS { .set = mxrt_param_set_strict_uint, .get = param_get_uint }

#endif /* MXRT_PLATFORM_PARAM_H */
