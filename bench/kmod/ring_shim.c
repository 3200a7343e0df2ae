// SPDX-License-Identifier: GPL-2.0
/* Runs in: kernel (mxrt_ring_bench.ko): the platform shim the ring allocates through. */
#include "../../kernel/lib/platform/platform.c"
