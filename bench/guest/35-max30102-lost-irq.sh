#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh. What the MAX30102 driver's lost-interrupt
# check costs and how fast it is, at 100, 400 and 3200 Hz against the simulator ("#" lines only:
# docs/benchmarks.md compares them with the check the driver had before it used the watchdog
# library):
#   - wake-ups per second of the threads that do the check while a reader runs and no interrupt is
#     lost: the driver's max30102-wd thread and, when loaded, the mxrt_wd thread and its hrtimer
#     (mxrt_watchdog's timer_fires); the IRQ thread's, which carry the data, for scale;
#   - latency to detection of one lost interrupt (lose_irq=1): from the sample whose almost-full
#     interrupt was lost to the read that found it, from the reader's records: interrupt bursts
#     carry one IRQ-flagged record at index almost_full - 1, so the seq gap between the IRQ records
#     around the lost one is 2 * almost_full + the samples that came after the lost interrupt.
set -u
M=${MXRT_MODDIR:?}
insmod "$M/mxrt_max30102_sim.ko" || exit 1
load_driver || exit 1
DEV=/dev/max30102-0
i=0
while [ ! -c $DEV ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -c $DEV ] || { echo "$DEV missing"; exit 1; }
SYS=/sys/class/misc/max30102-0/device
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
WDS=/sys/kernel/debug/mxrt_watchdog/stats
AF=$(cat $SYS/fifo_almost_full)

pid_of() { # the first thread whose name starts with $1
	for st in /proc/[0-9]*/status; do
		case "$(sed -n 's/^Name:\t//p' "$st" 2>/dev/null)" in "$1"*)
			st=${st#/proc/}
			echo "${st%/status}"
			return ;;
		esac
	done
}
switches() { # voluntary + involuntary context switches of thread $1 (0 if none)
	[ -n "$1" ] && [ -r "/proc/$1/status" ] || { echo 0; return; }
	awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "/proc/$1/status"
}
fires() { [ -r $WDS ] && sed -n 's/^timer_fires: //p' $WDS || echo 0; }
setcfg() { # RATE PW
	{ echo "$2" >$SYS/pulse_width && echo "$1" >$SYS/sample_rate; } 2>/dev/null ||
		{ echo "$1" >$SYS/sample_rate && echo "$2" >$SYS/pulse_width; }
}
irq=$(sed -n 's/^irq: \([0-9]*\).*/\1/p' /sys/kernel/debug/mxrt_max30102/max30102-0/stats)
T=5 # seconds measured, after 1 s of settling

for spec in "100 411" "400 411" "3200 69"; do
	set -- $spec
	setcfg "$1" "$2" || { echo "# $1 Hz: configuration refused"; exit 1; }
	mxrt-max30102-read -n $(($1 * (T + 3))) $DEV >/tmp/wake.out 2>&1 &
	rp=$!
	sleep 1
	wd=$(pid_of max30102-wd) lib=$(pid_of mxrt_wd) it=$(pid_of "irq/$irq-")
	w0=$(switches "$wd") l0=$(switches "$lib") i0=$(switches "$it") f0=$(fires)
	sleep $T
	w1=$(switches "$wd") l1=$(switches "$lib") i1=$(switches "$it") f1=$(fires)
	wait $rp
	echo "# $1 Hz, almost_full $AF, wake-ups/s: max30102-wd $(((w1 - w0) / T))," \
		"mxrt_wd $(((l1 - l0) / T)) (its timer $(((f1 - f0) / T))), IRQ thread $(((i1 - i0) / T))"
done

# latency to detection of a lost interrupt, five times per rate
for spec in "400 411" "3200 69"; do
	set -- $spec
	setcfg "$1" "$2"
	lat=
	for k in 1 2 3 4 5; do
		mxrt-max30102-read -v -n $(($1 * 2)) $DEV >/tmp/lost.out 2>&1 &
		rp=$!
		sleep 1
		echo lose_irq=1 >$SIM/control
		wait $rp
		# the largest gap between consecutive IRQ-flagged records is the one around the lost IRQ
		gap=$(awk '/flags=/ { f = $5; sub("flags=", "", f); sub("0x", "", f)
				if (index("89abcdef", substr(f, length(f))) && f != "0") {
					if (p != "" && $1 - p > g) g = $1 - p
					p = $1
				} }
			END { print g + 0 }' /tmp/lost.out)
		lat="$lat $(awk -v g="$gap" -v af="$AF" -v r="$1" 'BEGIN { printf "%.1f", (g - 2 * af) * 1000 / r }')"
	done
	echo "# $1 Hz: lost interrupt found after (ms):$lat"
done
cat /sys/kernel/debug/mxrt_max30102/max30102-0/stats | grep -E '^irq_(missed|stuck)'
rmmod mxrt_max30102 mxrt_max30102_sim mxrt_watchdog
exit 0
