#!/usr/bin/python3
"""classflow's Python face for bench/run: flow_from_directory over ROOT, one JSON line.

Same settings as bench/run's `classflow flow` row (224x224 bilinear float32, batch 32, 2
workers), iterated the way a training loop does: `x, y = next(it)` per batch, nothing kept.
Timed like the CLI: from the first batch request to the last batch of the epoch(s), scan and
plugin loading excluded. Run with Debian's /usr/bin/python3 and PYTHONPATH=build/python.
"""
import argparse
import json
import resource
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("root")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--num-workers", type=int, default=2)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args()

    import classflow

    it = classflow.flow_from_directory(args.root, target_size=(args.size, args.size), interpolation="bilinear",
                                       dtype="float32", batch_size=args.batch_size, num_workers=args.num_workers)
    images = 0
    t0 = time.perf_counter()
    for _ in range(args.epochs * len(it)):
        x, y = next(it)
        images += x.shape[0]
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "tool": "classflow-python", "root": args.root, "images": images, "epochs": args.epochs,
        "batch_size": args.batch_size, "num_workers": args.num_workers, "seconds": round(seconds, 4),
        "images_per_second": round(images / seconds, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
