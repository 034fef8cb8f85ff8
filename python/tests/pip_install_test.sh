#!/usr/bin/env bash
# pip_install_test.sh PYTHON SOURCE_DIR WORK_DIR: installs classflow offline into a fresh venv and
# runs a batch from the bundled digits with the installed package (its own core and plugins).
set -euo pipefail
python="$1" src="$2" work="$3"
rm -rf "$work/venv" && mkdir -p "$work"
"$python" -m venv --system-site-packages "$work/venv"
# PIP_NO_INDEX: prove the install needs no network; the build folder is reused between runs.
PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 CLASSFLOW_PIP_BUILD_DIR="$work/cmake" \
  "$work/venv/bin/pip" install -q --no-build-isolation "$src"
cd "$work"  # not the source tree: import the installed copy
"$work/venv/bin/python" - "$src/examples/data/digits" <<'PY'
import sys
import classflow
assert "/venv/" in classflow.__file__, classflow.__file__
it = classflow.flow_from_directory(sys.argv[1], target_size=(8, 8), color_mode="grayscale", batch_size=64)
x, y = next(it)
assert it.class_indices == {str(d): d for d in range(10)}, it.class_indices
assert x.shape == (64, 8, 8, 1) and y.shape == (64, 10)
assert not classflow.plugins()["refused"]
print("installed classflow OK:", it)
PY
# The CLI comes with it: the `classflow` command and `python -m classflow` run the package's copy.
out="$("$work/venv/bin/classflow" scan "$src/examples/data/digits" --format json)"
"$work/venv/bin/python" -c 'import json, sys; j = json.loads(sys.argv[1]); assert j["num_classes"] == 10, j' "$out"
listing="$("$work/venv/bin/python" -m classflow plugins)"
grep -q "decoder  *jpeg" <<<"$listing" || { echo "python -m classflow plugins: no jpeg decoder: $listing"; exit 1; }
set +e
"$work/venv/bin/classflow" scan "$work/no-such-folder" 2>"$work/err.txt"
code=$?
set -e
[ "$code" = 3 ] && grep -q "does not exist" "$work/err.txt" || { echo "exit $code: $(cat "$work/err.txt")"; exit 1; }
echo "installed classflow CLI OK"
