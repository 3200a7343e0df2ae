#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from scripts/demo.sh. Heart rate and SpO2 from the driver:
# the simulator's finger at 72 bpm / 97 %, then 120 bpm / 88 %, then taken off; the values in
# sysfs once a second, and the input device's events as evtest prints them.
set -u
M=${MXRT_MODDIR:?}
SUITE=demo # each claim below is a check (test-env.sh): one that does not hold fails the demo
say() { printf '\n### %s\n' "$*"; }
insmod "$M/mxrt_max30102_sim.ko" || exit 1
load_driver || exit 1
DEV=/dev/max30102-0
wait_device $DEV || { echo "$DEV missing"; exit 1; }
SYS=/sys/class/misc/max30102-0/device
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
EV=
for d in /sys/class/input/event*; do
	[ "$(cat "$d/device/name" 2>/dev/null)" = "MAX30102 pulse oximeter" ] && EV=/dev/input/${d##*/}
done
echo 411 >$SYS/pulse_width
echo 400 >$SYS/sample_rate

# milli ATTR: the attribute in its unit with three decimals, or "-" (no value: ENODATA)
milli() { v=$(cat "$SYS/$1" 2>/dev/null) && awk -v v="$v" 'BEGIN { printf "%.1f", v / 1000 }' || printf -- -; }
# near ATTR V D: the attribute (in thousandths) within V +- D
near() { v=$(cat "$SYS/$1" 2>/dev/null) && [ "$v" -ge $(($2 * 1000 - $3 * 1000)) ] && [ "$v" -le $(($2 * 1000 + $3 * 1000)) ]; }
# settle SECONDS CONDITION: waits up to SECONDS more (shown) for the condition; the check follows
settle() {
	_t=0
	while ! eval "$2" && [ $_t -lt $(($1 * 10)) ]; do sleep 0.1; _t=$((_t + 1)); done
	[ $_t = 0 ] || echo "  (settled $((_t / 10)).$((_t % 10)) s later)"
}
# watch SECONDS: the sysfs values once a second
watch() {
	s=0
	while [ $s -lt "$1" ]; do
		sleep 1
		s=$((s + 1))
		printf '  %2d s   heart_rate %6s bpm   spo2 %5s %%   confidence %3s   finger %s\n' $s \
			"$(milli heart_rate)" "$(milli spo2)" "$(cat $SYS/confidence 2>/dev/null || echo -)" \
			"$(cat $SYS/finger 2>/dev/null || echo -)"
	done
}

say "the driver's input device ${EV:-(none)}: evtest opens it, which starts the sensor; a finger at 72 bpm, 97 % SpO2"
echo "hr=72 spo2=97 finger=1" >$SIM/control
if command -v evtest >/dev/null && [ -n "$EV" ]; then
	evtest "$EV" >/tmp/ev.log 2>&1 &
else
	exec 3<$DEV # no evtest: an open /dev/max30102-0 keeps the sensor running too
fi
watch 6
# within the figures tests/vm/guest/24-vitals.sh holds the driver to: +-3 bpm, +-2 % SpO2 (a
# host that stood still restarts the estimate: up to 10 s more, as that test allows)
settle 10 'near heart_rate 72 3 && near spo2 97 2 && [ "$(cat $SYS/finger)" = present ]'
check vitals-72bpm-97pct 'near heart_rate 72 3 && near spo2 97 2 && [ "$(cat $SYS/finger)" = present ]'

say "the simulated heart speeds up to 120 bpm and the SpO2 falls to 88 %"
echo "hr=120 spo2=88" >$SIM/control
watch 8
settle 12 'near heart_rate 120 3 && near spo2 88 2'
check vitals-follow-120bpm-88pct 'near heart_rate 120 3 && near spo2 88 2'

say "the finger is taken off"
echo "finger=0" >$SIM/control
watch 2
settle 3 '[ "$(cat $SYS/finger)" = absent ]'
check vitals-cleared-finger-absent '! cat $SYS/heart_rate 2>/dev/null && ! cat $SYS/spo2 2>/dev/null && [ "$(cat $SYS/finger)" = absent ]'

if [ -s /tmp/ev.log ]; then
	say "the input device, as evtest shows it (ABS_MISC: HR in 0.1 bpm, 41: SpO2 in 0.1 %, 42: confidence, BTN_TOUCH: finger)"
	sed -n '/^Input device name/p; /Event code 4[0-2]/p; /Event code 330/p' /tmp/ev.log
	echo "  ..."
	grep '^Event:.*code \(40\|41\|330\) ' /tmp/ev.log | tail -n 8
	check input-events-sent 'grep -q "^Event:.*code 40 " /tmp/ev.log && grep -q "^Event:.*code 330 .*value 0" /tmp/ev.log'
else
	skipped input-events-sent "no evtest in the guest (tests/vm/guest/24-vitals.sh reads the events itself)"
	kill %1 2>/dev/null
	wait 2>/dev/null
fi
exec 3<&- 2>/dev/null
unload_driver; rmmod mxrt_max30102_sim
exit $fail
