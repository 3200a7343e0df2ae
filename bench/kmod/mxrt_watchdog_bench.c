// SPDX-License-Identifier: GPL-2.0
/* placeholder, replaced below */
#include <linux/module.h>
MODULE_LICENSE("GPL");
