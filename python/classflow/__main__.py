"""``python -m classflow ARGS`` (and the ``classflow`` command pip installs): the classflow CLI.

The CLI is the C++ program ``classflow`` (scan, flow, preview, decode, check, report, plugins),
the same library's other face. This runs the copy that belongs to this package: inside it
(``classflow/bin``, pip's layout), or next to it in a build tree (``build/python`` ->
``build/bin``) or an installed prefix (``lib/python3.X/dist-packages`` -> ``bin``).
"""

import os
import sys
from typing import List, Optional

_HERE = os.path.dirname(os.path.abspath(__file__))
_CANDIDATES = (
    os.path.join(_HERE, "bin", "classflow"),  # pip: inside the package
    os.path.join(_HERE, "..", "..", "bin", "classflow"),  # build tree: build/python/classflow
    os.path.join(_HERE, "..", "..", "..", "..", "bin", "classflow"),  # <prefix>/lib/python3.X/dist-packages
)


def executable() -> Optional[str]:
    """The path of this package's ``classflow`` program, or None when it was not installed with it."""
    for path in _CANDIDATES:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.normpath(path)
    return None


def main(argv: Optional[List[str]] = None) -> int:
    """Replaces this process with the CLI given ``argv`` (default: ``sys.argv[1:]``); its exit code
    is the process's (0 ok, 2 usage error, 3 data error). Returns 127, with a message on stderr,
    when the package has no CLI next to it."""
    path = executable()
    args = sys.argv[1:] if argv is None else list(argv)
    if path is None:
        sys.stderr.write("error: the classflow command line program is not installed with this package "
                         f"(looked for {', '.join(os.path.normpath(p) for p in _CANDIDATES)}); expected "
                         "`pip install` of the source tree or `make build`\n")
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(path, [path] + args)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
