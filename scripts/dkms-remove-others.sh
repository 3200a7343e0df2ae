#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs on: the target, as root: from `make dkms` and the mxrt-max30102-dkms package's postinst
# (shipped in the DKMS source tree); tests/build/dkms.sh runs it on a throw-away DKMS tree.
# usage: dkms-remove-others.sh NAME KEEP [DKMS OPTIONS...]
# Removes from DKMS every registered version of NAME but KEEP, saying so. Two installs of the suite
# (`make dkms` from a checkout and the package, or two checkouts' versions) each register their
# own version; the modules carry the same MODULE_VERSION, so DKMS kept the first one's modules in
# place of the second's ("exactly matches what is already found ... will not replace"), exit 0,
# `dkms status` saying installed: the older driver loaded, and nothing said so. The last install
# wins now.
set -u
name=${1:?usage: dkms-remove-others.sh NAME KEEP [DKMS OPTIONS...]}
keep=${2:?usage: dkms-remove-others.sh NAME KEEP [DKMS OPTIONS...]}
shift 2
command -v dkms >/dev/null 2>&1 || exit 0
# DKMS's tree (/var/lib/dkms, or --dkmstree DIR among the options)
tree=/var/lib/dkms
prev=
for a in "$@"; do
	[ "$prev" != --dkmstree ] || tree=$a
	prev=$a
done
# The versions registered: "NAME/VERSION, KERNEL, ARCH: state" or "NAME/VERSION: added" from
# dkms status, and the version folders of its tree (dkms 3.0.10's status lists nothing at all when
# one version's source folder is gone, as after a package whose prerm failed)
versions=$( (dkms status -m "$name" "$@" 2>/dev/null | sed -n "s|^$name/\([^,:]*\)[,:].*|\1|p"
	for d in "$tree/$name"/*/; do [ -d "$d" ] && [ ! -L "${d%/}" ] && basename "$d"; done) |
	grep -vx original_module | sort -u)
rc=0
for v in $versions; do
	[ "$v" != "$keep" ] || continue
	echo "$name: removing $name/$v from DKMS (another install's: make dkms or another package; DKMS would keep its modules in place of $keep's)"
	dkms remove "$name/$v" --all "$@" >/dev/null 2>&1
	# dkms remove can say 0 and leave it (its source folder gone): said, not taken for done
	if [ -d "$tree/$name/$v" ]; then
		echo "$name: could not remove $name/$v from DKMS (is /usr/src/$name-$v gone?): its modules may stay in" \
			"place of $keep's; remove $tree/$name/$v and its modules in /lib/modules/*/updates/dkms by hand" >&2
		rc=1
	fi
done
exit $rc
