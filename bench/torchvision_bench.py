#!/usr/bin/python3
"""torchvision baseline for bench/run: ImageFolder + DataLoader over ROOT, one JSON line.

Why: the number users compare classflow with is what they run today, i.e. the stock
torchvision recipe (PIL decode, Resize((224, 224)), ToTensor, worker processes). Run with
Debian's /usr/bin/python3 (python3-torchvision is a Debian package).
"""
import argparse
import json
import resource
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("root")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--num-workers", type=int, default=2)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args()

    import PIL
    import torch
    import torchvision
    from torchvision import datasets, transforms

    tf = transforms.Compose([transforms.Resize((args.size, args.size)), transforms.ToTensor()])
    ds = datasets.ImageFolder(args.root, transform=tf)
    # shuffle=True as classflow's default; workers are started per epoch (the default).
    loader = torch.utils.data.DataLoader(ds, batch_size=args.batch_size, shuffle=True,
                                         num_workers=args.num_workers)
    images = 0
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        for x, _y in loader:
            images += x.shape[0]
    seconds = time.perf_counter() - t0

    # ru_maxrss is KiB on Linux. Workers are processes: RUSAGE_CHILDREN gives the largest
    # worker's peak (not a sum), reported apart from the main process's.
    main_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(json.dumps({
        "tool": "torchvision", "root": args.root, "images": images, "epochs": args.epochs,
        "batch_size": args.batch_size, "num_workers": args.num_workers,
        "seconds": round(seconds, 4), "images_per_second": round(images / seconds, 1),
        "peak_rss_mib": round(main_mib, 1), "worker_peak_rss_mib": round(worker_mib, 1),
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                     "pillow": PIL.__version__},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
