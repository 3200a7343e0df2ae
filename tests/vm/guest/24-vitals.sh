#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh.
# Heart rate and SpO2 end to end: the simulator's finger at a known HR/SpO2, the driver's
# estimator in the acquisition path, its input device read with evtest, its sysfs attributes,
# a change followed, finger-off cleared within 1 s (in the records' time), vitals_enable, and the
# driver/evaluator equality: the record stream the estimator saw, replayed through
# mxrt-vitals-eval (the same fixed-point code in user space), gives exactly the values the driver
# published. Each check is a result of its own.
set -u
M=${MXRT_MODDIR:?}
SUITE=vitals # ok, bad, check: tests/vm/test-env.sh
RATE=400

insmod "$M/mxrt_max30102_sim.ko" || { echo "FAIL: cannot load the simulator"; exit 1; }
load_driver || { echo "FAIL: cannot load the driver"; exit 1; }
DEV=/dev/max30102-0
wait_device $DEV || { echo "FAIL: $DEV missing"; dmesg | tail -20; exit 1; }
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
DBG=/sys/kernel/debug/mxrt_max30102/max30102-0
SYS=$(readlink -f /sys/class/misc/max30102-0/device)
echo "device $SYS, simulator $SIM"

# value ATTR: the attribute's value, or "none" when reading it fails with ENODATA
value() {
	if v=$(cat "$SYS/$1" 2>/tmp/value.err); then echo "$v"
	elif grep -q 'No data available' /tmp/value.err; then echo none
	else echo "error: $(cat /tmp/value.err)"; fi
}
vitals_line() { sed -n 's/^vitals: //p' "$DBG/stats"; }
within() { [ "$1" != none ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; } # within V LO HI
# wait_for SECONDS 'CONDITION': polls every 0.2 s; true once the condition holds
wait_for() {
	n=$(($1 * 5))
	while [ "$n" -gt 0 ]; do
		eval "$2" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	eval "$2"
}
# the newest value of an input event code in evtest's log (40 = ABS_MISC: HR, 41: SpO2, 42:
# confidence, 330 = BTN_TOUCH: finger)
ev_last() { grep "^Event:.*code $1 " /tmp/ev.log | tail -n1 | sed -n 's/.*value \(-*[0-9]*\).*/\1/p'; }
setcfg() { # rate and pulse width in the order that keeps every intermediate pair valid
	{ echo "$2" >"$SYS/pulse_width" && echo "$1" >"$SYS/sample_rate"; } 2>/dev/null ||
		{ echo "$1" >"$SYS/sample_rate" && echo "$2" >"$SYS/pulse_width"; }
}
setcfg $RATE 411 || bad "rate-$RATE" "sysfs refused"

# 1. the input device and the attributes before anything runs
EV=
for d in /sys/class/input/event*; do
	[ "$(cat "$d/device/name" 2>/dev/null)" = "MAX30102 pulse oximeter" ] && EV=/dev/input/${d##*/}
done
echo "input device: ${EV:-none}"
check input-device-registered '[ -n "$EV" ] && [ -c "$EV" ]'
no_values() {
	[ "$(value heart_rate)" = none ] && [ "$(value spo2)" = none ] && [ "$(value confidence)" = none ] &&
		[ "$(value finger)" = none ]
}
check no-values-while-the-sensor-is-off no_values
check vitals-enabled-by-default '[ "$(value vitals_enable)" = 1 ]'
refuses_bad_enable() {
	for w in 2 -1 0x1 one ' ' 1.0 18446744073709551617; do # (an empty write never reaches sysfs)
		if printf '%s' "$w" >"$SYS/vitals_enable" 2>/dev/null; then
			echo "vitals_enable took '$w'"
			return 1
		fi
	done
	[ "$(value vitals_enable)" = 1 ]
}
check vitals-enable-refuses-non-decimal refuses_bad_enable

# 2. a finger at 72 bpm / 97 %: evtest opens the input device, which starts the sensor
echo "hr=72 spo2=97 finger=1" >"$SIM/control"
command -v evtest >/dev/null || bad evtest-present "no evtest in the guest (scripts/setup.sh caches it)"
evtest "$EV" >/tmp/ev.log 2>&1 &
evp=$!
sleep 1
check input-open-starts-the-sensor '[ "$(cat "$SYS/power/runtime_status")" = active ]'
values_near() { # values_near HR SPO2: sysfs within +-3 bpm and +-2 %, a confidence, a finger
	within "$(value heart_rate)" $(($1 * 1000 - 3000)) $(($1 * 1000 + 3000)) &&
		within "$(value spo2)" $(($2 * 1000 - 2000)) $(($2 * 1000 + 2000)) &&
		within "$(value confidence)" 1 100 && [ "$(value finger)" = present ]
}
events_near() { # events_near HR SPO2: evtest's newest values, in tenths
	within "$(ev_last 40)" $(($1 * 10 - 30)) $(($1 * 10 + 30)) &&
		within "$(ev_last 41)" $(($2 * 10 - 20)) $(($2 * 10 + 20)) &&
		within "$(ev_last 42)" 1 100 && [ "$(ev_last 330)" = 1 ]
}
wait_for 15 'values_near 72 97'
echo "72/97: heart_rate=$(value heart_rate) spo2=$(value spo2) confidence=$(value confidence) finger=$(value finger)"
echo "       $(vitals_line)"
check sysfs-72bpm-97pct 'values_near 72 97'
wait_for 3 'events_near 72 97'
echo "       events: HR $(ev_last 40) SpO2 $(ev_last 41) confidence $(ev_last 42) touch $(ev_last 330)"
check input-72bpm-97pct 'events_near 72 97'
check input-device-capabilities 'grep -q "Event code 40 (ABS_MISC)" /tmp/ev.log && grep -q "Max *2500" /tmp/ev.log && grep -q "BTN_TOUCH" /tmp/ev.log'
# the resolutions input libraries scale by: 10 per bpm, 10 per % (tenths)
res_of() { grep -A6 "Event code $1 " /tmp/ev.log | sed -n 's/^ *Resolution *//p' | head -n1; }
echo "       resolutions: HR $(res_of 40), SpO2 $(res_of 41)"
check input-resolutions-tenths '[ "$(res_of 40)" = 10 ] && [ "$(res_of 41)" = 10 ]'

# 3. a change to 120 bpm / 88 % is followed
echo "hr=120 spo2=88" >"$SIM/control"
wait_for 20 'values_near 120 88'
echo "120/88: heart_rate=$(value heart_rate) spo2=$(value spo2) confidence=$(value confidence)"
check sysfs-follows-120bpm-88pct 'values_near 120 88'
wait_for 3 'events_near 120 88'
echo "        events: HR $(ev_last 40) SpO2 $(ev_last 41)"
check input-follows-120bpm-88pct 'events_near 120 88'

# 4. vitals_enable: 0 withdraws the values while the sensor runs, 1 brings them back
echo 0 >"$SYS/vitals_enable"
check disable-withdraws-values no_values
wait_for 2 '[ "$(ev_last 40)" = 0 ] && [ "$(ev_last 330)" = 0 ]'
check disable-zeroes-the-events '[ "$(ev_last 40)" = 0 ] && [ "$(ev_last 41)" = 0 ] && [ "$(ev_last 330)" = 0 ]'
echo 1 >"$SYS/vitals_enable"
wait_for 15 'values_near 120 88'
check enable-brings-values-back 'values_near 120 88'

# 4'. a bus that fails every transfer: no record comes, and the values of the last ones went with
# the first failed configuration (they stayed published, valid, for as long as the bus failed);
# back once it works again
echo nak=1000000 >"$SIM/control"
# a configuration change withdraws the values at once, here one the failing bus refuses (without
# the withdrawal they stayed until the starvation, 3 s later)
echo 200 >"$SYS/sample_rate" 2>/dev/null && bad config-change-withdraws-at-once "the failing bus took a configuration"
hr_after=$(value heart_rate)
echo "a configuration refused by the failing bus: heart_rate right after it $hr_after; $(vitals_line)"
check config-change-withdraws-at-once '[ "$hr_after" = none ]'
wait_for 5 '[ "$(value heart_rate)" = none ]'
echo "bus failing: heart_rate=$(value heart_rate) spo2=$(value spo2); $(cat "$SYS/status")"
check failing-bus-withdraws-values '[ "$(value heart_rate)" = none ] && [ "$(value spo2)" = none ]'
echo nak=0 >"$SIM/control"
setcfg $RATE 411 # the rate the recording below is evaluated at, whatever the refused write left
wait_for 20 'values_near 120 88'
check values-back-after-the-bus-recovers 'values_near 120 88'

# 5. finger off: values and finger cleared within 1 s of the finger leaving, in the records' time:
# the driver's published output says at which record (timestamp_ns, CLOCK_MONOTONIC) the finger
# went; the write's time is CLOCK_MONOTONIC too ("now at" in /proc/timer_list)
mono_ns() { sed -n 's/^now at \([0-9]*\) nsecs$/\1/p' /proc/timer_list | head -n1; }
mxrt-max30102-ioctl-test evtime "$EV" 4 >/tmp/evt.log 2>&1 & # the events on CLOCK_MONOTONIC
etp=$!
sleep 0.3
t0=$(mono_ns)
echo "finger=0" >"$SIM/control"
wait_for 3 '[ "$(value finger)" = absent ] && [ "$(value heart_rate)" = none ]'
t1=$(mono_ns)
check finger-off-clears-sysfs '[ "$(value finger)" = absent ] && [ "$(value heart_rate)" = none ] && [ "$(value spo2)" = none ] && [ "$(value confidence)" = 0 ]'
off=$(vitals_line)
t_off=$(echo "$off" | sed -n 's/.* timestamp_ns=\([0-9]*\) .*flags=0x4$/\1/p')
echo "finger off written at ${t0:-?} ns; published: $off; sysfs read cleared at ${t1:-?} ns"
cleared_in_1s() {
	[ -n "$t0" ] && [ -n "$t_off" ] &&
		awk -v a="$t0" -v b="$t_off" 'BEGIN { d = (b - a) / 1e9; print "finger-off cleared " d " s after the write"; exit !(d >= 0 && d <= 1.0) }'
}
check finger-off-cleared-within-1s cleared_in_1s
# the finger-off event carries the time of the record that showed it (the published timestamp_ns),
# not the time it was sent: the same instant, to the microsecond the event keeps
wait $etp
ev_off=$(sed -n 's/^event 1 330 0 \([0-9]*\)\.\([0-9]*\)$/\1\2/p' /tmp/evt.log | tail -n1)
echo "BTN_TOUCH 0 at ${ev_off:-?} us (CLOCK_MONOTONIC); published finger-off at ${t_off:-?} ns"
check events-carry-the-record-time '[ -n "$ev_off" ] && [ -n "$t_off" ] && [ "$ev_off" = "$((t_off / 1000))" ]'
wait_for 2 '[ "$(ev_last 330)" = 0 ]'
check finger-off-zeroes-the-events '[ "$(ev_last 40)" = 0 ] && [ "$(ev_last 41)" = 0 ] && [ "$(ev_last 42)" = 0 ]'
kill $evp
wait $evp 2>/dev/null

# 5'. the IR LED off in SpO2 mode: red carries the pulse, and the finger is judged on red against
# red's thresholds. It was judged against IR's floor (64 codes), so air on red (about 2457 codes)
# read as a finger for as long as it lasted (until 2026-12-07)
mxrt-max30102-read -n 1000000 $DEV >/dev/null 2>&1 &
rp=$!
ir_ua=$(cat "$SYS/led_ir_current")
echo 0 >"$SYS/led_ir_current"
sleep 3
echo "IR LED off, no finger, 3 s: finger $(value finger); $(vitals_line)"
check ir-led-off-air-is-no-finger '[ "$(value finger)" = absent ]'
echo "$ir_ua" >"$SYS/led_ir_current"
kill $rp
wait $rp 2>/dev/null

# 6. the sensor off (no reader, autosuspend): nothing stale is left behind
echo "finger=1 hr=72 spo2=97" >"$SIM/control"
wait_for 5 '[ "$(cat "$SYS/power/runtime_status")" = suspended ]'
check suspended-sensor-has-no-values no_values
# ... and the ioctl says so (MXRT_MAX30102_VITALS_NONE), not a measurement of 0 bpm
out=$(mxrt-max30102-ctl -d $DEV vitals 2>&1)
echo "suspended: ctl vitals: $out"
check ioctl-says-none-while-suspended '[ "$out" = "none yet" ]'

# 7. the driver and the evaluator agree exactly. The reader starts first (it resumes the sensor);
# then a configuration change restarts the record stream (RESTART) where the driver's estimator
# and the evaluator both start over: the FIFO's almost-full level, which the estimator does not
# see (the configuration in force written again is no change, and no RESTART). Meanwhile the
# driver's published values are sampled from debugfs; each must be one of the outputs the
# evaluator computes from the saved stream.
mxrt-max30102-read -n $((RATE * 14)) -b 64 -o /tmp/rec.bin $DEV >/tmp/rec.out 2>&1 &
rp=$!
sleep 1
af=$(cat "$SYS/fifo_almost_full")
echo $((af == 32 ? 31 : af + 1)) >"$SYS/fifo_almost_full" # a RESTART
: >/tmp/drv.txt
i=0
while [ $i -lt 16 ]; do # 8 s of the 14 s recorded: the reader still runs after the last sample
	sleep 0.5
	vitals_line >>/tmp/drv.txt
	i=$((i + 1))
done
wait $rp
rrc=$?
echo "recording: $(cat /tmp/rec.out) (exit $rrc)"
finger=$(sed -n 's/^vitals_config: .*finger=\([0-9,]*\).*/\1/p' "$DBG/stats")
cal=$(sed -n 's/^vitals_config: cal=\([0-9]*\),\([0-9]*\) .*/\1,\2/p' "$DBG/stats")
echo "estimator: finger $finger cal $cal"
mxrt-vitals-eval --published --rate $RATE --finger "$finger" /tmp/rec.bin >/tmp/eval.txt 2>/tmp/eval.err
erc=$?
echo "evaluator: exit $erc, $(grep -c '^vitals:' /tmp/eval.txt) outputs; $(head -c 300 /tmp/eval.err)"
# only what the driver published from samples the reader saved: on a slow guest (the debug
# kernel) the last samplings can come after the recording's last record, and the first can come
# before the driver published anything after the restart (present=0: no value, nothing to compare)
last=$(tr ' ' '\n' </tmp/rec.out | sed -n 's/^last_seq=//p')
grep -v '^present=0 ' /tmp/drv.txt | sort -u >/tmp/drv.distinct
echo "sampled before the driver published anything after the restart: $(grep -c '^present=0 ' /tmp/drv.txt)"
awk -v last="${last:-0}" '{ for (i = 1; i <= NF; i++) if ($i ~ /^seq=/) s = substr($i, 5) }
	s + 0 <= last + 0' /tmp/drv.distinct | sed 's/^/vitals: /' >/tmp/drv.lines
echo "driver published after the recording's last record ($last), not compared: $(($(wc -l </tmp/drv.distinct) - $(wc -l </tmp/drv.lines)))"
echo "driver published (sampled, distinct): $(wc -l </tmp/drv.lines)"
tail -n 3 /tmp/drv.lines
same_values() {
	[ "$rrc" = 0 ] && [ "$erc" = 0 ] && [ "$cal" = "110000,31700" ] || return 1
	# every sampled driver value is exactly an evaluator output, and valid values were among them
	missing=$(grep -vxF -f /tmp/eval.txt /tmp/drv.lines)
	[ -z "$missing" ] || { echo "driver values the evaluator never computed:"; echo "$missing"; return 1; }
	grep -q 'flags=0xf$' /tmp/drv.lines
}
check driver-equals-evaluator same_values
# the evaluator's last valid values are the simulator's truth too
last_valid=$(grep 'flags=0xf$' /tmp/eval.txt | tail -n1)
echo "evaluator's last valid: $last_valid"
eval_truth() {
	hr=$(echo "$last_valid" | sed -n 's/.*hr_mbpm=\([0-9]*\).*/\1/p')
	sp=$(echo "$last_valid" | sed -n 's/.*spo2_mpct=\([0-9]*\).*/\1/p')
	within "${hr:-none}" 69000 75000 && within "${sp:-none}" 95000 99000
}
check evaluator-on-the-stream-72bpm-97pct eval_truth
check no-records-refused '[ "$(sed -n "s/^vitals_refused: //p" "$DBG/stats")" = 0 ]'

unload_driver
rmmod mxrt_max30102_sim
exit $fail
