#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). The Debian packages as a user gets them: `make deb`
# (dpkg-buildpackage on a copy of the sources; no kernel is built) must give mxrt-max30102-dkms
# (arch all: the DKMS source tree, dkms.conf, the blacklist) and mxrt-max30102 (the tools, mxrtd
# with its unit and example configuration, the Raspberry Pi overlay). Then, with nothing installed
# on the host and no container:
#   - each package's file list, conffiles and dependencies;
#   - apt finds the build dependencies (`apt-get build-dep --simulate ./`, as docs/install.md has
#     a Pi user run) and would install both packages (`apt-get install --simulate ./...deb`);
#   - dpkg unpacks both into a throw-away root with its own dpkg database (--root, no configure);
#   - the installed daemon accepts the installed configuration, and the unit starts it;
#   - the maintainer scripts: the tools' postinst, run against that root (DPKG_ROOT) with a stub
#     deb-systemd-helper, copies the overlay into the firmware's folder only where there is one
#     and does not enable mxrtd, and its postrm removes the copy (an overlay the user changed is
#     kept at an upgrade and a remove, as a conffile; purge removes it); the -dkms postinst hands the
#     right name and version to DKMS (after removing any other version: tests/build/dkms.sh runs
#     that script) and its prerm removes them.
#   - the source package (.dsc, .tar.xz) unpacks to exactly the files git tracks.
# Ends with "deb: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
p=0 f=0
res() { echo "$1: deb:$2${3:+ ($3)}"; if [ "$1" = PASS ]; then p=$((p + 1)); else f=$((f + 1)); fi; }
finish() { echo "deb: $p passed, $f failed"; [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; exit $?; }
arch=$(dpkg --print-architecture)
mkdir -p build/logs
log=$PWD/build/logs/deb-build.log
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

start=$(date +%s)
if make --no-print-directory deb >"$log" 2>&1; then
	res PASS build "dpkg-buildpackage in $(($(date +%s) - start)) s"
else
	res FAIL build "see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
	finish
fi
# the version make deb gave the copy it built: debian/changelog's plus this commit's time and hash
# (and +dirty with the build's time when the tree has local changes), newer than the changelog's
# alone and than a build of the commit before (a fixed 1.0.0 never upgraded)
base=$(dpkg-parsechangelog -S Version)
version=$(dpkg-parsechangelog -l build/deb/src/debian/changelog -S Version)
# the commit's time, and how many first-parent commits share its second (two commits in one second
# were ordered by their hashes alone: this check failed on one such pair)
stamp() {
	local t
	t=$(git log -1 --format=%ct "$1") || return 1
	echo "$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S "$1").$(git rev-list --count --first-parent --max-age="$t" --min-age="$t" "$1")"
}
want="$base+git$(stamp HEAD).g$(git rev-parse --short=12 HEAD)"
older="$base+git$(stamp HEAD~1 2>/dev/null || echo 0).g$(git rev-parse --short=12 HEAD~1 2>/dev/null || echo 0)"
if [ -n "$(git status --porcelain --untracked-files=normal)" ]; then
	[[ $version == "$want+dirty"[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9] ]]
else [ "$version" = "$want" ]; fi
if [ $? = 0 ] && dpkg --compare-versions "$version" gt "$base" &&
	dpkg --compare-versions "$version" ge "$older"; then
	res PASS version "$version"
else res FAIL version "$version (want $want, newer than $base and $older)"; fi
dkms_deb=build/deb/mxrt-max30102-dkms_${version}_all.deb
tools_deb=build/deb/mxrt-max30102_${version}_${arch}.deb
for d in "$dkms_deb" "$tools_deb"; do [ -f "$d" ] || { res FAIL packages "no $d"; finish; }; done
# what docs/install.md has a Raspberry Pi user run before `make deb`: apt finds every build
# dependency in Debian 12 (simulated; its own list, not one in the docs that could fall behind)
if out=$(apt-get build-dep --simulate ./ 2>&1); then
	res PASS build-dep "apt-get build-dep ./ resolves: $(grep -c '^Inst ' <<<"$out") packages to install here"
else res FAIL build-dep "$(grep -E '^E:' <<<"$out" | head -n 3 | tr '\n' ' ')"; fi
# the build compiled no kernel code and warned about nothing
if grep -qE '\.ko\b|warning:' "$log"; then res FAIL no-kernel-build-no-warnings "$(grep -E '\.ko\b|warning:' "$log" | head -n 3)"
else res PASS no-kernel-build-no-warnings; fi

# files DEB: the regular files and symlinks the package holds, sorted
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./||' | LC_ALL=C sort; }

src=usr/src/mxrt-max30102-$version
want=$( (echo etc/modprobe.d/mxrt-max30102.conf; echo usr/share/doc/mxrt-max30102-dkms/changelog.gz
	echo usr/share/doc/mxrt-max30102-dkms/copyright
	git ls-files kernel include/uapi | sed "s|^|$src/|"
	echo "$src/scripts/check-cxx-object.sh"; echo "$src/scripts/dkms-remove-others.sh"; echo "$src/LICENSE"; echo "$src/dkms.conf") | LC_ALL=C sort)
got=$(files "$dkms_deb")
if [ "$got" = "$want" ]; then res PASS dkms-files "$(wc -l <<<"$got") files"
else res FAIL dkms-files "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"; fi

want="etc/mxrtd/mxrtd.toml
lib/systemd/system/mxrtd.service
usr/bin/mxrt-contention
usr/bin/mxrt-lat
usr/bin/mxrt-max30102-ctl
usr/bin/mxrt-max30102-read
usr/bin/mxrt-top
usr/bin/mxrt-vitals-eval
usr/bin/mxrtd
usr/lib/mxrt-max30102/overlays/mxrt-max30102-rpi.dtbo
usr/share/doc/mxrt-max30102/changelog.gz
usr/share/doc/mxrt-max30102/copyright"
got=$(files "$tools_deb")
if [ "$got" = "$want" ]; then res PASS tools-files "$(wc -l <<<"$got") files"
else res FAIL tools-files "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"; fi

# the source package: dpkg-source unpacks it to exactly the files git tracks (none left out, no
# build product taken in) but git's own (.gitignore: dpkg-source leaves version-control files out
# of a 3.0 (native) tarball by default), and its Build-Depends are debian/control's
dsc=build/deb/mxrt-max30102_${version}.dsc
if [ -f "$dsc" ] && dpkg-source -x "$dsc" "$t/src" >"$t/src.log" 2>&1; then
	want=$(git ls-files --cached --others --exclude-standard | grep -vE '(^|/)\.git(ignore|attributes|modules)$' | LC_ALL=C sort)
	got=$(cd "$t/src" && find . -type f -o -type l | sed 's|^\./||' | LC_ALL=C sort)
	bd=$(sed -n 's/^Build-Depends: //p' "$dsc")
	if [ "$got" = "$want" ] && grep -q 'dh-sequence-dkms' <<<"$bd" && grep -q 'liburing-dev' <<<"$bd"; then
		res PASS source-package "$(wc -l <<<"$got") files, $(basename "$dsc")"
	else res FAIL source-package "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -n 5 | tr '\n' ' ') build-depends: $bd"; fi
	rm -rf "$t/src"
else res FAIL source-package "no $dsc or dpkg-source -x failed: $(tail -n 2 "$t/src.log" 2>/dev/null | tr '\n' ' ')"; fi

# control data: what dpkg keeps of a user's edits, and what each package needs
ctl() { dpkg-deb -e "$1" "$t/ctl-$2"; }
ctl "$dkms_deb" dkms && ctl "$tools_deb" tools
dep=$(dpkg-deb -f "$dkms_deb" Depends)
if [ "$(cat "$t/ctl-dkms/conffiles")" = /etc/modprobe.d/mxrt-max30102.conf ] &&
	[ "$(cat "$t/ctl-tools/conffiles")" = /etc/mxrtd/mxrtd.toml ] &&
	grep -q 'dkms' <<<"$dep" && grep -q 'g++' <<<"$dep" && grep -q 'make' <<<"$dep"; then
	res PASS control "conffiles; -dkms depends on $dep"
else res FAIL control "conffiles $(cat "$t"/ctl-*/conffiles | tr '\n' ' '), depends $dep"; fi

# apt would install both from the files, with Debian 12's packages for the dependencies
if out=$(apt-get install --simulate --no-install-recommends "./$dkms_deb" "./$tools_deb" 2>&1) &&
	grep -q '^Inst mxrt-max30102-dkms ' <<<"$out" && grep -q '^Inst mxrt-max30102 ' <<<"$out"; then
	res PASS apt-installable "$(grep -c '^Inst ' <<<"$out") packages would be installed"
else res FAIL apt-installable "$(grep -E '^E:|Depends|Inst' <<<"$out" | head -n 5 | tr '\n' ' ')"; fi

# dpkg unpacks both into a root of their own (its own database). Unpacking runs the preinst only,
# which does nothing under DPKG_ROOT; the postinst is judged below, against the same root.
root=$t/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/boot/firmware/overlays"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
if dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root --unpack "$dkms_deb" "$tools_deb" \
	>"$t/unpack.log" 2>&1 && [ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status} ' \
	mxrt-max30102-dkms mxrt-max30102)" = "unpacked unpacked " ]; then
	res PASS dpkg-unpack "both unpacked into a throw-away root"
else res FAIL dpkg-unpack "$(tail -n 3 "$t/unpack.log" | tr '\n' ' ')"; fi
cmp -s "$root/$src/dkms.conf" <(sed "s/#MODULE_VERSION#/$version/" dkms.conf) &&
	res PASS dkms-conf "the dkms.conf tests/build/dkms.sh builds with" || res FAIL dkms-conf "differs from dkms.conf"

# the daemon as installed: it accepts the configuration the package installs (unpacked, a conffile
# waits as .dpkg-new until the package is configured), and the unit runs it
conf=$root/etc/mxrtd/mxrtd.toml.dpkg-new
if "$root/usr/bin/mxrtd" -c "$conf" --check-config >"$t/mxrtd.log" 2>&1; then
	res PASS mxrtd-config
else res FAIL mxrtd-config "$(cat "$t/mxrtd.log")"; fi
if grep -qx 'ExecStart=/usr/bin/mxrtd -c /etc/mxrtd/mxrtd.toml' "$root/lib/systemd/system/mxrtd.service"; then
	res PASS unit "ExecStart=/usr/bin/mxrtd -c /etc/mxrtd/mxrtd.toml"
else res FAIL unit "$(grep ExecStart "$root/lib/systemd/system/mxrtd.service")"; fi

# the tools' maintainer scripts against the throw-away root, with deb-systemd-helper and systemctl
# stubbed (they record their arguments): the overlay lands in the firmware's folder, mxrtd is not
# enabled, and removing the package takes the overlay away again
mkdir -p "$t/stub"
for s in deb-systemd-helper deb-systemd-invoke systemctl; do
	# as deb-systemd-helper answers on a first install: debian-installed is false (the unit was
	# never installed), everything else succeeds, "--quiet was-enabled" included (a unit never
	# seen counts as enabled: deb-systemd-helper(1), which is how a postinst made without
	# --no-enable enables it on a first install)
	printf '#!/bin/sh\necho "%s $*" >>"%s/stub.log"\n[ "$1" != debian-installed ]\n' "$s" "$t" >"$t/stub/$s"
	chmod +x "$t/stub/$s"
done
: >"$t/stub.log"
ovl=$root/boot/firmware/overlays/mxrt-max30102-rpi.dtbo
if PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/ctl-tools/postinst" configure >"$t/postinst.log" 2>&1 &&
	cmp -s "$ovl" "$root/usr/lib/mxrt-max30102/overlays/mxrt-max30102-rpi.dtbo" &&
	! grep -qE ' enable|invoke start' "$t/stub.log"; then
	res PASS postinst-overlay "$(head -n 1 "$t/postinst.log" | sed "s|$root||")"
else res FAIL postinst-overlay "$(cat "$t/postinst.log" "$t/stub.log" | tr '\n' ' ')"; fi
# a machine that is not a Pi: no firmware folder, nothing made
rmdir -p --ignore-fail-on-non-empty "$root/boot/firmware/overlays" 2>/dev/null; rm -rf "$root/boot"
if PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/ctl-tools/postinst" configure >"$t/postinst2.log" 2>&1 &&
	[ ! -e "$root/boot" ]; then
	res PASS postinst-not-a-pi "no /boot/firmware/overlays: nothing copied"
else res FAIL postinst-not-a-pi "$(cat "$t/postinst2.log") $(find "$root/boot" 2>/dev/null)"; fi
# Debian's raspi-firmware: a firmware folder with the config.txt it writes, but no overlays folder
mkdir -p "$root/boot/firmware" && echo 'kernel=vmlinuz-6.12.118+deb12-rt-arm64' >"$root/boot/firmware/config.txt"
if PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/ctl-tools/postinst" configure >"$t/postinst3.log" 2>&1 &&
	cmp -s "$ovl" "$root/usr/lib/mxrt-max30102/overlays/mxrt-max30102-rpi.dtbo"; then
	res PASS postinst-debian-raspi-firmware "no overlays folder beside config.txt: made, overlay copied"
else res FAIL postinst-debian-raspi-firmware "$(cat "$t/postinst3.log") $(find "$root/boot" 2>/dev/null)"; fi
rm -rf "$root/boot"
mkdir -p "$root/boot/firmware/overlays"
PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/ctl-tools/postinst" configure >/dev/null 2>&1
if [ -e "$ovl" ] && PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/ctl-tools/postrm" remove >"$t/postrm.log" 2>&1 &&
	[ ! -e "$ovl" ] && [ -d "$root/boot/firmware/overlays" ]; then
	res PASS postrm-overlay "the copy is removed, the folder stays"
else res FAIL postrm-overlay "$(cat "$t/postrm.log") $(ls "$root/boot/firmware/overlays" 2>&1)"; fi
# an overlay the user changed (the INT pin moved: it has no parameters) is kept at an upgrade, the
# package's beside it (it was overwritten without a word); remove leaves it, purge takes it
pkg=$root/usr/lib/mxrt-max30102/overlays/mxrt-max30102-rpi.dtbo
post() { PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/ctl-tools/$1" "$2" >>"$t/overlay.log" 2>&1; }
: >"$t/overlay.log"
cp "$pkg" "$t/pkg.orig"
post postinst configure
printf 'x' >>"$ovl" && cp "$ovl" "$t/users.dtbo"
post postinst configure # the same package's overlay again: the user's kept, nothing said
quiet=$(grep -c 'changed since' "$t/overlay.log")
printf 'y' >>"$pkg" # the next package's overlay
post postinst configure
if [ "$quiet" = 0 ] && cmp -s "$ovl" "$t/users.dtbo" && cmp -s "$ovl.dpkg-dist" "$pkg" &&
	grep -q "mxrt-max30102-rpi.dtbo was changed since it was installed: kept; the package's is .*\.dpkg-dist" "$t/overlay.log"; then
	res PASS upgrade-keeps-changed-overlay
else res FAIL upgrade-keeps-changed-overlay "$(tr '\n' ' ' <"$t/overlay.log")"; fi
post postrm remove
if cmp -s "$ovl" "$t/users.dtbo" && [ ! -e "$ovl.dpkg-dist" ] && post postrm purge && [ ! -e "$ovl" ] &&
	[ ! -e "$root/var/lib/mxrt-max30102" ]; then
	res PASS remove-leaves-changed-overlay-purge-takes-it
else res FAIL remove-leaves-changed-overlay-purge-takes-it "$(tr '\n' ' ' <"$t/overlay.log") $(ls "$root/boot/firmware/overlays")"; fi
# a different file there with no record (make install's, an older package's): kept as .dpkg-old
cp "$t/users.dtbo" "$ovl"
post postinst configure
if cmp -s "$ovl" "$pkg" && cmp -s "$ovl.dpkg-old" "$t/users.dtbo"; then res PASS unrecorded-overlay-kept-as-dpkg-old
else res FAIL unrecorded-overlay-kept-as-dpkg-old "$(tr '\n' ' ' <"$t/overlay.log")"; fi
post postrm purge
# the user who takes the package's copy (.dpkg-dist into place) gets the next package's overlay:
# the record holds what the package last brought, as dpkg's does (it held the one before, and every
# later overlay stayed in .dpkg-dist); the same overlay again says nothing
: >"$t/overlay.log"
post postinst configure
printf 'x' >>"$ovl"
printf 'y' >>"$pkg"
post postinst configure
mv "$ovl.dpkg-dist" "$ovl"
: >"$t/overlay.log"
post postinst configure
quiet=$(grep -c 'changed since' "$t/overlay.log")
printf 'z' >>"$pkg"
post postinst configure
if [ "$quiet" = 0 ] && cmp -s "$ovl" "$pkg" && [ ! -e "$ovl.dpkg-dist" ]; then res PASS taken-dpkg-dist-then-next-overlay-installed
else res FAIL taken-dpkg-dist-then-next-overlay-installed "$(tr '\n' ' ' <"$t/overlay.log")"; fi
post postrm purge
cp "$t/pkg.orig" "$pkg"

# mxrtd under a running systemd (the scripts' test for /run/systemd/system pointed at a folder of
# ours; this host need not run systemd): an upgrade (old prerm, new preinst, new postinst) leaves a
# running mxrtd restarted, not stopped (with dh_installsystemd --no-start the preinst stopped it and
# nothing started it again); removing the package stops it (with --no-start nothing did); a first
# install enables nothing. The preinst and prerm act only without DPKG_ROOT: run so, they touch
# nothing but the stubs; the postinst, which copies the overlay, runs against the throw-away root.
mkdir -p "$t/run/systemd/system"
for s in preinst postinst prerm; do
	if [ -f "$t/ctl-tools/$s" ]; then sed "s|/run/systemd/system|$t/run/systemd/system|g" "$t/ctl-tools/$s" >"$t/sd-$s"
	else printf '#!/bin/sh\nexit 0\n' >"$t/sd-$s"; fi
done
invoked() { grep -oE 'deb-systemd-invoke [a-z-]+' "$t/stub.log" | sed 's/deb-systemd-invoke //' | tr '\n' ' '; }
: >"$t/stub.log"
PATH=$t/stub:$PATH sh "$t/sd-prerm" upgrade "$version" >/dev/null 2>&1
PATH=$t/stub:$PATH sh "$t/sd-preinst" upgrade "$version" >/dev/null 2>&1
PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/sd-postinst" configure "$version" >/dev/null 2>&1
upgrade=$(invoked)
: >"$t/stub.log"
PATH=$t/stub:$PATH sh "$t/sd-prerm" remove >/dev/null 2>&1
remove=$(invoked)
: >"$t/stub.log"
PATH=$t/stub:$PATH DPKG_ROOT=$root sh "$t/sd-postinst" configure >/dev/null 2>&1
if grep -qE '(^| )(restart|try-restart) $' <<<"$upgrade" && [ "$remove" = "stop " ] && ! grep -q ' enable' "$t/stub.log"; then
	res PASS mxrtd-upgrade-remove "upgrade: ${upgrade}; remove: ${remove}"
else res FAIL mxrtd-upgrade-remove "upgrade: ${upgrade:-nothing}; remove: ${remove:-nothing}; install: $(tr '\n' ' ' <"$t/stub.log")"; fi

# the -dkms scripts (dh_dkms's): they name this package's DKMS module and version
if grep -qx "DKMS_NAME=mxrt-max30102" "$t/ctl-dkms/postinst" && grep -qx "DKMS_VERSION=$version" "$t/ctl-dkms/postinst" &&
	grep -q 'common.postinst' "$t/ctl-dkms/postinst" && grep -qx "DKMS_VERSION=$version" "$t/ctl-dkms/prerm" &&
	grep -q 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$t/ctl-dkms/prerm" &&
	[ "$(grep -n 'dkms-remove-others.sh\|common.postinst' "$t/ctl-dkms/postinst" | head -1 | grep -c 'dkms-remove-others')" = 1 ]; then
	res PASS dkms-scripts "postinst: other versions removed, then dkms add/build/install mxrt-max30102/$version; prerm: dkms remove"
else res FAIL dkms-scripts "$(grep -E '^DKMS_' "$t/ctl-dkms/postinst" | tr '\n' ' ')"; fi
finish
