#!/usr/bin/python3
"""Pillow parity of classflow's resampling on a folder of photos, one JSON line per filter.

For each filter, every image of ROOT (or the first --limit, in sorted order) is loaded as Keras's
load_img does (Image.open, convert('RGB'), resize((w, h), filter); with --pillow-draft after
draft('RGB', (w, h)), as Image.thumbnail does) and through classflow (flow_from_directory, uint8,
no shuffle; with --jpeg-draft, jpeg_draft=True); prints mean |diff| and the 99.9th percentile of |diff|
over all pixels, the figures issue 10 bounds (mean <= 0.25, p99.9 <= 2). Run with Debian's
/usr/bin/python3 and PYTHONPATH=build/python.
"""
import argparse
import json

import numpy as np
from PIL import Image

FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS, "box": Image.BOX,
           "hamming": Image.HAMMING, "nearest": Image.NEAREST}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("root")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--filters", default=",".join(FILTERS))
    ap.add_argument("--jpeg-draft", action="store_true", help="classflow with jpeg_draft=True (Pillow without)")
    ap.add_argument("--pillow-draft", action="store_true",
                    help="Pillow calls draft('RGB', (size, size)) before convert and resize, as thumbnail() does")
    args = ap.parse_args()

    import classflow

    for name in args.filters.split(","):
        it = classflow.flow_from_directory(args.root, target_size=(args.size, args.size), interpolation=name,
                                           dtype="uint8", shuffle=False, batch_size=16, class_mode=None,
                                           jpeg_draft=True if args.jpeg_draft else None)
        paths = it.filepaths[: args.limit]
        diffs = []
        for b in range((len(paths) + 15) // 16):
            x = next(it)
            for i in range(x.shape[0]):
                k = b * 16 + i
                if k >= len(paths):
                    break
                with Image.open(paths[k]) as im:
                    if args.pillow_draft and name != "nearest":  # classflow never drafts for nearest
                        im.draft("RGB", (args.size, args.size))
                    ref = np.asarray(im.convert("RGB").resize((args.size, args.size), FILTERS[name]))
                diffs.append(np.abs(x[i].astype(np.int16) - ref.astype(np.int16)).ravel())
        d = np.concatenate(diffs)
        print(json.dumps({"filter": name, "images": len(paths), "mean_abs_diff": round(float(d.mean()), 4),
                          "p999_abs_diff": float(np.percentile(d, 99.9)), "max_abs_diff": int(d.max()),
                          "exact_fraction": round(float((d == 0).mean()), 5)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
