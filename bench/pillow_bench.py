#!/usr/bin/python3
"""The Pillow loop baseline for bench/run: what a plain Keras-style loop does per image
(Image.open, convert('RGB'), resize((224, 224), BILINEAR), float32 array), batches of 32 stacked,
one process, one epoch in sorted order. One JSON line. Run with Debian's /usr/bin/python3."""
import argparse
import json
import os
import resource
import time

import numpy as np
from PIL import Image


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("root")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--size", type=int, default=224)
    args = ap.parse_args()
    paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(args.root) for f in fs if f.endswith(".jpg"))
    t0 = time.perf_counter()
    for i in range(0, len(paths), args.batch_size):
        batch = []
        for p in paths[i:i + args.batch_size]:
            with Image.open(p) as im:
                batch.append(np.asarray(im.convert("RGB").resize((args.size, args.size), Image.BILINEAR),
                                        dtype=np.float32))
        np.stack(batch)
    seconds = time.perf_counter() - t0
    print(json.dumps({"tool": "pillow-loop", "images": len(paths), "seconds": round(seconds, 4),
                      "images_per_second": round(len(paths) / seconds, 1),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
