#!/usr/bin/python3
"""torchvision reference for the eval (and train-geometry) preprocessing of @residual/pipeline.

Usage:
  preprocess_reference.py eval OUT SIZE RESIZE IMAGE...   -> OUT holds float32 NHWC (N, SIZE, SIZE, 3)
      Resize(RESIZE) + CenterCrop(SIZE) + ToTensor + Normalize(ImageNet), PIL bilinear, EXIF-transposed, RGB.
  preprocess_reference.py bench WORKERS BATCH SIZE IMAGE... -> prints images/s of RandomResizedCrop +
      RandomHorizontalFlip + ColorJitter(0.4, 0.4, 0.4) + ToTensor + Normalize through a DataLoader.
  preprocess_reference.py crop-resize DIR              -> for each case in DIR/cases.json ({file, width, height,
      channels, box: [left, top, w, h], size, flip}) writes DIR/out-<i>.raw: uint8 pixels of
      img.crop(box).resize((size, size), BILINEAR) (+ FLIP_LEFT_RIGHT), what RandomResizedCrop does on PIL.
Run with Debian's /usr/bin/python3 (torch 1.13, torchvision 0.14).
"""
import sys
import time

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision import transforms as T

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def load_rgb(path):
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return im.convert("RGB")


def eval_main(out, size, resize, paths):
    tf = T.Compose([T.Resize(resize), T.CenterCrop(size), T.ToTensor(), T.Normalize(MEAN, STD)])
    arrs = [tf(load_rgb(p)).permute(1, 2, 0).numpy().astype(np.float32) for p in paths]
    np.stack(arrs).tofile(out)


class Files(torch.utils.data.Dataset):
    def __init__(self, paths, tf):
        self.paths, self.tf = paths, tf

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.tf(load_rgb(self.paths[i])), 0


def bench_main(workers, batch, size, paths):
    torch.set_num_threads(1)
    tf = T.Compose([
        T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4),
        T.ToTensor(), T.Normalize(MEAN, STD),
    ])
    dl = torch.utils.data.DataLoader(Files(paths, tf), batch_size=batch, shuffle=True, num_workers=workers)
    t = time.perf_counter()
    n = sum(x.shape[0] for x, _ in dl)
    print(f"{n / (time.perf_counter() - t):.1f}")


def crop_resize_main(folder):
    import json
    import os

    with open(os.path.join(folder, "cases.json")) as f:
        cases = json.load(f)
    for i, c in enumerate(cases):
        with open(os.path.join(folder, c["file"]), "rb") as f:
            data = f.read()
        mode = "RGB" if c["channels"] == 3 else "L"
        im = Image.frombytes(mode, (c["width"], c["height"]), data)
        left, top, w, h = c["box"]
        out = im.crop((left, top, left + w, top + h)).resize((c["size"], c["size"]), Image.BILINEAR)
        if c["flip"]:
            out = out.transpose(Image.FLIP_LEFT_RIGHT)
        with open(os.path.join(folder, f"out-{i}.raw"), "wb") as f:
            f.write(out.tobytes())


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "eval":
        eval_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    elif mode == "bench":
        bench_main(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    elif mode == "crop-resize":
        crop_resize_main(sys.argv[2])
    else:
        sys.exit(f"unknown mode {mode}")
