#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from tests/vm/init. The guest is the one the harness meant to
# boot: the kernel release and architecture, PREEMPT_RT on the RT flavours, the file systems the
# tests rely on, and every module the host found for this flavour. Fails if any check fails.
set -u
fail=0
bad() { echo "smoke: error: $*"; fail=1; }

want=${MXRT_RELEASE:?} have=$(uname -r)
[ "$have" = "$want" ] || bad "running kernel $have, expected $want"
[ "$(uname -m)" = "${MXRT_ARCH:?}" ] || bad "running on $(uname -m), expected $MXRT_ARCH"

case "${MXRT_FLAVOUR:?}" in
*-rt-*)
	rt=$(cat /sys/kernel/realtime 2>/dev/null || echo absent)
	if [ "$rt" = 1 ] || uname -v | grep -q PREEMPT_RT; then
		echo "PREEMPT_RT: /sys/kernel/realtime=$rt, uname -v: $(uname -v)"
	else
		bad "not a PREEMPT_RT kernel: /sys/kernel/realtime=$rt, uname -v: $(uname -v)"
	fi ;;
esac

for m in proc:/proc sysfs:/sys devtmpfs:/dev debugfs:/sys/kernel/debug; do
	grep -q "^[^ ]* ${m#*:} ${m%%:*} " /proc/mounts || bad "${m%%:*} is not mounted on ${m#*:}"
done

# every *.ko the host found under build/<flavour>/ (the list may be empty)
while read -r ko; do
	[ -f "${MXRT_MODDIR:?}/$ko" ] || bad "$ko is not in $MXRT_MODDIR"
done </opt/mxrt/modules.list

echo "kernel $have on $(uname -m), $(nproc) CPUs, $(wc -l </opt/mxrt/modules.list) of our modules"
exit $fail
