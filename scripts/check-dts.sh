#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). Needs device-tree-compiler and dt-schema (Debian
# packages, installed by scripts/setup.sh) and the arm64 kernel package in the setup.sh cache.
#
# Checks the device-tree material in dts/: both overlays compile with dtc -@ without a single
# warning; the Raspberry Pi overlay applies with fdtoverlay onto the bcm2711-rpi-4-b.dtb Debian's
# arm64 kernel ships and puts an enabled maxim,max30102 at 0x57 on i2c1; the QEMU overlay applies
# onto QEMU's own virt DTB; the YAML binding (dts/schemas/: dt-schema wants "schemas/" in the path) passes dt-doc-validate,
# and refuses exactly the rate x pulse-width pairs the datasheet's SpO2 table does.
# Prints PASS/FAIL per check and ends with "dts: N passed, N failed, N skipped"; exit 1 on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${MXRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxrt}
OUT=${1:-build/dts}
mkdir -p "$OUT"
pass=0 fail=0 skip=0
res() { # STATUS NAME [DETAIL]
	echo "$1: dts:$2${3:+ ($3)}"
	case $1 in PASS) pass=$((pass + 1)) ;; FAIL) fail=$((fail + 1)) ;; SKIP) skip=$((skip + 1)) ;; esac
}

for src in dts/*.dtso; do
	name=$(basename "$src" .dtso)
	if msg=$(dtc -@ -I dts -O dtb -o "$OUT/$name.dtbo" "$src" 2>&1) && [ -z "$msg" ]; then
		res PASS "compile-$name"
	else
		res FAIL "compile-$name" "$msg"
	fi
done

base=$(find "$CACHE/kernels/arm64-6.12/root" -name bcm2711-rpi-4-b.dtb 2>/dev/null | head -1)
if [ -z "$base" ]; then
	res FAIL rpi-overlay-applies "no bcm2711-rpi-4-b.dtb under $CACHE/kernels/arm64-6.12: run scripts/setup.sh"
elif fdtoverlay -i "$base" -o "$OUT/bcm2711-rpi-4-b-max30102.dtb" "$OUT/mxrt-max30102-rpi.dtbo" 2>"$OUT/fdtoverlay.log"; then
	i2c1=$(fdtget "$base" /__symbols__ i2c1)
	node="$i2c1/max30102@57"
	if [ "$(fdtget "$OUT/bcm2711-rpi-4-b-max30102.dtb" "$node" compatible 2>&1)" = maxim,max30102 ] &&
		[ "$(fdtget "$OUT/bcm2711-rpi-4-b-max30102.dtb" "$i2c1" status 2>&1)" = okay ]; then
		res PASS rpi-overlay-applies "$node"
	else
		res FAIL rpi-overlay-applies "$node missing or i2c1 not enabled"
	fi
else
	res FAIL rpi-overlay-applies "$(cat "$OUT/fdtoverlay.log")"
fi

# What the README says of Debian 12's own 6.1 kernel: its Raspberry Pi 4 DTB has no __symbols__, so
# the overlay cannot apply there and the client is made from user space instead. Checked, so that
# a 6.1 DTB that gains the symbols shows the README is out of date.
base61=$(find "$CACHE/kernels/arm64-6.1/root" -name bcm2711-rpi-4-b.dtb 2>/dev/null | head -1)
if [ -z "$base61" ]; then
	res SKIP rpi-overlay-not-on-6.1 "no 6.1 bcm2711-rpi-4-b.dtb under $CACHE/kernels/arm64-6.1 (scripts/setup.sh fetches it)"
elif ! fdtget -l "$base61" / | grep -qx __symbols__ && [ "$(fdtget "$base61" /soc/i2c@7e804000 status)" = okay ] &&
	! fdtoverlay -i "$base61" -o "$OUT/bcm2711-rpi-4-b-6.1-max30102.dtb" "$OUT/mxrt-max30102-rpi.dtbo" 2>/dev/null; then
	res PASS rpi-overlay-not-on-6.1 "no __symbols__ (the overlay cannot apply), i2c1 already enabled: as the README says"
else
	res FAIL rpi-overlay-not-on-6.1 "the 6.1 DTB changed ($base61): update the README's step 4"
fi

if qemu-system-aarch64 -M virt -cpu cortex-a72 -machine dumpdtb="$OUT/virt.dtb" -smp 2 -m 1024 \
	-nographic </dev/null >"$OUT/dumpdtb.log" 2>&1 &&
	fdtoverlay -i "$OUT/virt.dtb" -o "$OUT/virt-max30102.dtb" "$OUT/mxrt-max30102-qemu-virt.dtbo" &&
	[ "$(fdtget "$OUT/virt-max30102.dtb" /max30102-sim/max30102@57 compatible)" = maxim,max30102 ]; then
	res PASS qemu-virt-overlay-applies
else
	res FAIL qemu-virt-overlay-applies "see $OUT/dumpdtb.log"
fi

if command -v dt-doc-validate >/dev/null; then
	for y in dts/schemas/*.yaml; do
		# dt-schema derives the expected $id from the path below "./schemas/"
		if msg=$(cd dts && dt-doc-validate "schemas/$(basename "$y")" 2>&1) && [ -z "$msg" ]; then
			res PASS "binding-$(basename "$y" .yaml)"
		else
			res FAIL "binding-$(basename "$y" .yaml)" "$msg"
		fi
	done
	# The binding's rate x pulse-width constraints against the datasheet's table 11 (SpO2 mode, which
	# the driver starts in): at most 1600, 1000, 800, 400 Hz for 69, 118, 215, 411 us (411 when the
	# pulse width is absent). Every pair, in a node dt-validate checks against the binding.
	if dt-mk-schema -j -o "$OUT/schema.json" dts/schemas/ 2>"$OUT/schema.log"; then
		wrong=""
		for pw in 69:1600 118:1000 215:800 411:400 absent:400; do
			for hz in 50 100 200 400 800 1000 1600 3200; do
				prop=""
				[ "${pw%:*}" = absent ] || prop="mxrt,pulse-width-us = <${pw%:*}>;"
				printf '/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; compatible = "x,y"; model = "t";\n  i2c@0 { compatible = "x,i2c"; reg = <0 1>; #address-cells = <1>; #size-cells = <0>;\n    max30102@57 { compatible = "maxim,max30102"; reg = <0x57>; mxrt,sample-rate-hz = <%s>; %s };\n  };\n};\n' \
					"$hz" "$prop" >"$OUT/pair.dts"
				dtc -q -I dts -O dtb -o "$OUT/pair.dtb" "$OUT/pair.dts"
				if [ -n "$(dt-validate -s "$OUT/schema.json" -l max30102 "$OUT/pair.dtb" 2>&1)" ]; then got=refused; else got=valid; fi
				if [ "$hz" -le "${pw#*:}" ]; then want=valid; else want=refused; fi
				[ "$got" = "$want" ] || wrong="$wrong ${hz}Hz/${pw%:*}us:$got"
			done
		done
		if [ -z "$wrong" ]; then res PASS binding-rate-pulse-width-pairs
		else res FAIL binding-rate-pulse-width-pairs "wrong:$wrong"; fi
		# single properties at and past the driver's limits: LED currents in steps of 200 uA up to
		# 51000, ring sizes a power of two from 64 (a binding that lets a node through that the
		# driver then refuses leaves a board without its sensor)
		wrong=""
		for case in "maxim,red-led-current-microamp:7200:valid" "maxim,red-led-current-microamp:7100:refused" \
			"maxim,ir-led-current-microamp:51000:valid" "maxim,ir-led-current-microamp:50999:refused" \
			"maxim,ir-led-current-microamp:51200:refused" "mxrt,ring-size:64:valid" \
			"mxrt,ring-size:1048576:valid" "mxrt,ring-size:100:refused" "mxrt,ring-size:32:refused"; do
			IFS=: read -r prop val want <<<"$case"
			printf '/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; compatible = "x,y"; model = "t";\n  i2c@0 { compatible = "x,i2c"; reg = <0 1>; #address-cells = <1>; #size-cells = <0>;\n    max30102@57 { compatible = "maxim,max30102"; reg = <0x57>; %s = <%s>; };\n  };\n};\n' \
				"$prop" "$val" >"$OUT/prop.dts"
			dtc -q -I dts -O dtb -o "$OUT/prop.dtb" "$OUT/prop.dts"
			if [ -n "$(dt-validate -s "$OUT/schema.json" -l max30102 "$OUT/prop.dtb" 2>&1)" ]; then got=refused; else got=valid; fi
			[ "$got" = "$want" ] || wrong="$wrong $prop=$val:$got"
		done
		if [ -z "$wrong" ]; then res PASS binding-property-limits
		else res FAIL binding-property-limits "wrong:$wrong"; fi
	else
		res FAIL binding-rate-pulse-width-pairs "dt-mk-schema: $(head -c 300 "$OUT/schema.log")"
	fi
else
	res FAIL binding "dt-doc-validate missing: run scripts/setup.sh (Debian package dt-schema)"
fi
echo "dts: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
