#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. Writes the raw BTF of a kernel image (Debian's vmlinuz from the
# scripts/setup.sh cache), for `bpftool btf dump file RAW format c` > vmlinux.h. No kernel headers,
# no vmlinux with symbols: the BTF a kernel built with CONFIG_DEBUG_INFO_BTF carries in its image.
#
#   bpf/extract-btf.sh VMLINUZ OUT.btf
#
# x86_64's bzImage holds a compressed ELF (zstd on Debian 12's 6.12 kernels; xz and gzip too): the
# payload is found by its magic, as the kernel's scripts/extract-vmlinux does. arm64's Image is
# the kernel itself, uncompressed (a gzip'd Image is unpacked first). The BTF blob starts with its
# header (magic 0xeb9f, version 1, header length 24: the kernel's uapi linux/btf.h): the first such
# header whose type and string sections follow each other is carved out, exactly its length.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 VMLINUZ OUT.btf" >&2; exit 2; }
in=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# offsets of a byte string (grep -P: \xNN escapes) in a file
offsets() { LC_ALL=C grep -obUaP "$1" "$2" | cut -d: -f1 || true; }

# u32 little-endian at OFFSET of FILE
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

# carve FILE: the BTF blob to $out, or return 1
carve() {
	local f=$1 off hdr type_off type_len str_off str_len
	for off in $(offsets '\x9f\xeb\x01\x00\x18\x00\x00\x00' "$f"); do
		hdr=$(u32 "$f" $((off + 4)))
		type_off=$(u32 "$f" $((off + 8))) type_len=$(u32 "$f" $((off + 12)))
		str_off=$(u32 "$f" $((off + 16))) str_len=$(u32 "$f" $((off + 20)))
		[ "$hdr" = 24 ] && [ "$type_off" = 0 ] && [ "$str_off" = "$type_len" ] && [ "$str_len" -gt 0 ] || continue
		# an image's BTF is megabytes; a stray match is not
		[ $((type_len + str_len)) -gt 1000000 ] || continue
		tail -c +$((off + 1)) "$f" | head -c $((hdr + str_off + str_len)) >"$out"
		return 0
	done
	return 1
}

carve "$in" && exit 0
# a compressed payload: try each candidate offset of each format
for fmt in '\x28\xb5\x2f\xfd:zstd -dcq' '\xfd\x37\x7a\x58\x5a\x00:xz -dcq' '\x1f\x8b\x08:gzip -dcq'; do
	magic=${fmt%%:*} cmd=${fmt#*:}
	for off in $(offsets "$magic" "$in"); do
		tail -c +$((off + 1)) "$in" | $cmd >"$tmp/image" 2>/dev/null || true
		[ -s "$tmp/image" ] || continue
		carve "$tmp/image" && exit 0
	done
done
echo "$0: no BTF in $in (a kernel without CONFIG_DEBUG_INFO_BTF, or an unknown compression)" >&2
exit 1
