/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (C shims and freestanding C++) and user space (tests).
 *
 * Scalar types for every interface between the C shims and the C++ core. They are spelled with the
 * compiler's own type macros so that this header includes nothing: C++ kernel code may not include
 * kernel headers, and C shim code must not pull in a libc.
 */
#ifndef MXRT_ABI_H
#define MXRT_ABI_H

typedef __UINT8_TYPE__ mxrt_u8;
typedef __UINT16_TYPE__ mxrt_u16;
typedef __UINT32_TYPE__ mxrt_u32;
/* 64-bit types are long long, as the kernel's u64/s64 are on every architecture (printk %llu). */
typedef unsigned long long mxrt_u64;
typedef __INT32_TYPE__ mxrt_s32;
typedef long long mxrt_s64;
typedef __SIZE_TYPE__ mxrt_size;
typedef __UINTPTR_TYPE__ mxrt_uptr;

#ifdef __cplusplus
#define MXRT_EXTERN_C_BEGIN extern "C" {
#define MXRT_EXTERN_C_END }
#define MXRT_NOEXCEPT noexcept
#else
#define MXRT_EXTERN_C_BEGIN
#define MXRT_EXTERN_C_END
#define MXRT_NOEXCEPT
#endif

/* Error numbers used across the boundary; the shims check them against <linux/errno.h>. */
#define MXRT_EPERM 1
#define MXRT_ENOENT 2
#define MXRT_ESRCH 3
#define MXRT_EINTR 4
#define MXRT_EIO 5
#define MXRT_ENXIO 6
#define MXRT_E2BIG 7
#define MXRT_EBADF 9
#define MXRT_EAGAIN 11
#define MXRT_ENOMEM 12
#define MXRT_EFAULT 14
#define MXRT_EBUSY 16
#define MXRT_EEXIST 17
#define MXRT_ENODEV 19
#define MXRT_EINVAL 22
#define MXRT_ENOTTY 25
#define MXRT_EFBIG 27
#define MXRT_ENOSPC 28
#define MXRT_ERANGE 34
#define MXRT_ENODATA 61
#define MXRT_EOPNOTSUPP 95
#define MXRT_ETIMEDOUT 110
#define MXRT_EALREADY 114

#endif /* MXRT_ABI_H */
