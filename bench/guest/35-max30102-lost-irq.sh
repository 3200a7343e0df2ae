#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from bench/run.sh. What the MAX30102 driver's lost-interrupt
# check costs and how fast it is, at 100, 400 and 3200 Hz against the simulator (3200 Hz in HR
# mode: the datasheet allows no SpO2 at 3200 Hz; "#" lines only:
# docs/benchmarks.md compares them with the check the driver had before it used the watchdog
# library, measured by this same script):
#   - wake-ups per second while a reader runs and no interrupt is lost: of the threads that do the
#     check (the driver's max30102-wd thread and, when loaded, the library's mxrt_wd thread, with
#     its hrtimer's expiries, mxrt_watchdog's timer_fires), of the IRQ thread for scale, and of the
#     whole guest (context switches, /proc/stat ctxt; local timer interrupts, /proc/interrupts);
#   - latency to detection of a lost interrupt (lose_irq=1, nine times per rate): the driver's
#     irq_missed_gap_us, the time from the last acquisition to the read that found the samples the
#     lost interrupt announced (the window, 1.25 almost-full periods, plus how late the check came).
set -u
M=${MXRT_MODDIR:?}
insmod "$M/mxrt_max30102_sim.ko" || exit 1
if command -v load_driver >/dev/null 2>&1; then load_driver || exit 1
else insmod "$M/mxrt_max30102.ko" || exit 1; fi
DEV=/dev/max30102-0
wait_device $DEV || { echo "$DEV missing"; exit 1; }
SYS=/sys/class/misc/max30102-0/device
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
DBG=/sys/kernel/debug/mxrt_max30102/max30102-0/stats
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
fires() { if [ -r $WDS ]; then sed -n 's/^timer_fires: //p' $WDS; else echo 0; fi; }
ctxt() { sed -n 's/^ctxt //p' /proc/stat; }
ticks() { # local timer interrupts, all CPUs (x86 LOC, arm64 arch_timer)
	awk '/LOC:|arch_timer/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts
}
stat_of() { sed -n "s/^$1: //p" $DBG; }
setcfg() { # RATE PW MODE: HR mode allows every pair SpO2 mode does, so it is entered first, left last
	[ "$3" = hr ] && { echo hr >$SYS/mode || return 1; }
	{ { echo "$2" >$SYS/pulse_width && echo "$1" >$SYS/sample_rate; } 2>/dev/null ||
		{ echo "$1" >$SYS/sample_rate && echo "$2" >$SYS/pulse_width; }; } || return 1
	[ "$3" = hr ] || echo "$3" >$SYS/mode
}
irq=$(stat_of irq | cut -d' ' -f1)
T=5 # seconds measured, after 1 s of settling

for spec in "100 411 spo2" "400 411 spo2" "3200 69 hr"; do
	set -- $spec
	setcfg "$1" "$2" "$3" || { echo "# $1 Hz: configuration refused"; exit 1; }
	mxrt-max30102-read -n $(($1 * (T + 3))) $DEV >/tmp/wake.out 2>&1 &
	rp=$!
	sleep 1
	wd=$(pid_of max30102-wd) lib=$(pid_of mxrt_wd) it=$(pid_of "irq/$irq-")
	w0=$(switches "$wd") l0=$(switches "$lib") i0=$(switches "$it") f0=$(fires) c0=$(ctxt) t0=$(ticks)
	sleep $T
	w1=$(switches "$wd") l1=$(switches "$lib") i1=$(switches "$it") f1=$(fires) c1=$(ctxt) t1=$(ticks)
	wait $rp
	echo "# $1 Hz, almost_full $AF, wake-ups/s: max30102-wd $(((w1 - w0) / T))," \
		"mxrt_wd $(((l1 - l0) / T)) (its timer $(((f1 - f0) / T))), IRQ thread $(((i1 - i0) / T));" \
		"guest: context switches $(((c1 - c0) / T)), timer interrupts $(((t1 - t0) / T))"
done

for spec in "400 411 spo2" "3200 69 hr"; do
	set -- $spec
	setcfg "$1" "$2" "$3"
	gaps=
	mxrt-max30102-read -n $(($1 * 12)) $DEV >/dev/null 2>&1 &
	rp=$!
	sleep 1
	for k in 1 2 3 4 5 6 7 8 9; do
		m0=$(stat_of irq_missed)
		echo lose_irq=1 >$SIM/control
		sleep 1
		[ "$(stat_of irq_missed)" -gt "$m0" ] &&
			gaps="$gaps $(stat_of irq_missed_gap_us | sed 's/last=\([0-9]*\).*/\1/')"
	done
	kill $rp 2>/dev/null
	wait $rp 2>/dev/null
	echo "# $1 Hz: window $(awk -v r="$1" -v af="$AF" 'BEGIN { printf "%.1f", af * 1250 / r }') ms;" \
		"last acquisition to the read that found a lost interrupt's samples (us):$gaps"
done
grep -E '^irq_(missed|stuck|watchdog)' $DBG
rmmod mxrt_max30102 mxrt_max30102_sim
rmmod mxrt_watchdog 2>/dev/null
exit 0
