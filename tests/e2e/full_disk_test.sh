#!/usr/bin/env bash
# full_disk_test.sh CLASSFLOW DIGITS: writes on a full disk fail loudly and lose nothing.
# Runs in its own mount namespace (unshare) on a 64 KiB tmpfs; exit 77 (skipped) when mounting
# is not possible here.
set -uo pipefail
cli="$1" digits="$2"
if [ "${CLASSFLOW_IN_NAMESPACE:-}" != 1 ]; then
  CLASSFLOW_IN_NAMESPACE=1 exec unshare -rm "$0" "$@" 2>/dev/null || { echo "cannot unshare: skipped"; exit 77; }
fi
work="$(mktemp -d)"
trap 'umount "$work/disk" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/disk"
mount -t tmpfs -o size=64k tmpfs "$work/disk" 2>/dev/null || { echo "cannot mount tmpfs: skipped"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# 1. A good mapping on the disk, then fill the disk: --save-class-indices must fail (exit 3,
#    naming the file and the reason) and leave the good mapping byte for byte, no temporary.
"$cli" scan "$digits" --save-class-indices "$work/disk/m.json" >/dev/null || fail "first save failed"
good="$(sha256sum < "$work/disk/m.json")"
head -c 1000000 /dev/zero > "$work/disk/filler" 2>/dev/null  # fills the rest of the 64 KiB
"$cli" scan "$digits" --classes 3,8 --save-class-indices "$work/disk/m.json" >"$work/out" 2>"$work/err"
code=$?
[ $code = 3 ] || fail "save on a full disk exited $code, expected 3"
grep -q "error: mapping file '$work/disk/m.json' cannot be written (No space left on device)" "$work/err" ||
  fail "message: $(cat "$work/err")"
[ "$(sha256sum < "$work/disk/m.json")" = "$good" ] || fail "the good mapping was changed"
[ -z "$(find "$work/disk" -name '.*.tmp')" ] || fail "a temporary was left: $(find "$work/disk" -name '.*.tmp')"
rm -f "$work/disk/filler"

# 2. --export into the small disk: fails naming a file, never says "exported", no completion
#    marker, no temporary left.
"$cli" flow "$digits" --target-size 8x8 --export "$work/disk/export" >"$work/out" 2>"$work/err"
code=$?
[ $code = 3 ] || fail "export on a full disk exited $code, expected 3"
grep -q "error: export file '$work/disk/export/.*' cannot be written (No space left on device)" "$work/err" ||
  fail "message: $(cat "$work/err")"
grep -q "exported" "$work/out" && fail "said exported: $(cat "$work/out")"
[ ! -e "$work/disk/export/export_complete.json" ] || fail "completion marker written"
[ -z "$(find "$work/disk" -name '.*.tmp')" ] || fail "a temporary was left"
# ... and the folder it left is refused as an unfinished export.
rm -rf "$work/disk/export/images_00001.npy"
"$cli" flow "$digits" --target-size 8x8 --export "$work/disk/export" >/dev/null 2>"$work/err"
grep -q "is not empty (an unfinished export: no export_complete.json)" "$work/err" || fail "refusal: $(cat "$work/err")"
echo "full disk: refused loudly, nothing lost"
