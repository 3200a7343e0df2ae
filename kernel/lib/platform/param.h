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

#endif /* MXRT_PLATFORM_PARAM_H */
