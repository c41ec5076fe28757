"""PyTorch reference for the small-image recipe: the same network and loop as `residual train` with defaults.

CIFAR ResNet (He et al. 2016, 6n+2 layers, 16/32/64 planes, projection shortcuts as Residual builds them),
one input channel for grey data; SGD momentum 0.9, weight decay 1e-4 on conv/fc weights only (not on BatchNorm
or biases), lr 0.1 at batch 128 scaled linearly, linear warmup over a fifth of the epochs (at most 2) then
cosine, stepped per iteration exactly as Residual's lr-schedule.ts; RandomCrop(size, padding=size/8) +
RandomHorizontalFlip on the training images, nothing on validation; Normalize(0.449, 0.226) (Residual's grey
mean/std). Images are decoded once and augmented per batch with tensor ops (a fast, sound loop: no per-sample
Python).

Usage: /usr/bin/python3 bench/train_small_torch.py <dataset dir with train/ and val/> [--epochs 5]
       [--arch cifar_resnet20] [--batch 128] [--threads 2] [--seed 0]
Prints one JSON line: {"seconds", "top1", "history": [{"epoch", "trainLoss", "valTop1"}]}.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

MEAN, STD = 0.449, 0.226


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (self.down(x) if self.down is not None else x))


class CifarResNet(nn.Module):
    def __init__(self, depth, classes, channels):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for i, planes in enumerate([16, 32, 64]):
            for b in range(n):
                layers.append(Block(cin, planes, 2 if (i > 0 and b == 0) else 1))
                cin = planes
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def load_split(root):
    classes = sorted(d for d in os.listdir(os.path.join(root, "train")) if not d.startswith("."))
    out = {}
    for split in ("train", "val"):
        xs, ys = [], []
        for c, name in enumerate(classes):
            folder = os.path.join(root, split, name)
            for f in sorted(os.listdir(folder)):
                xs.append(np.asarray(Image.open(os.path.join(folder, f)).convert("L"), dtype=np.uint8))
                ys.append(c)
        out[split] = (torch.from_numpy(np.stack(xs))[:, None], torch.tensor(ys))
    return classes, out


def normalize(x):
    return (x.float() / 255.0 - MEAN) / STD


def augment(x, pad, gen):
    """RandomCrop(size, padding=pad) + RandomHorizontalFlip(0.5), per image, on a uint8 batch [N, C, H, W]."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(h)[None]).view(n, 1, h, 1).expand(n, x.shape[1], h, w + 2 * pad)
    cropped = torch.gather(padded, 2, rows)
    cols = (dx[:, None] + torch.arange(w)[None]).view(n, 1, 1, w).expand(n, x.shape[1], h, w)
    cropped = torch.gather(cropped, 3, cols)
    flip = torch.rand(n, generator=gen) < 0.5
    cropped[flip] = cropped[flip].flip(3)
    return cropped


def step_lr(base, epochs, warmup, epoch, step, steps):
    """Residual's stepLearningRate: cosine at the step's start, linear warmup at its end."""
    t0, t1 = epoch + step / steps, epoch + (step + 1) / steps
    progress = min(max((t0 - warmup) / max(epochs - warmup, 1e-9), 0.0), 1.0)
    decayed = base * 0.5 * (1 + math.cos(math.pi * progress))
    return decayed * (t1 / warmup if warmup > 0 and t1 < warmup else 1.0)


def evaluate(model, x, y, batch):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            correct += (model(normalize(x[i : i + batch])).argmax(1) == y[i : i + batch]).sum().item()
    model.train()
    return correct / len(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--arch", default="cifar_resnet20")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    started = time.time()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    classes, data = load_split(a.root)
    (xt, yt), (xv, yv) = data["train"], data["val"]
    size = xt.shape[-1]
    model = CifarResNet(int(a.arch.split("resnet")[1]), len(classes), xt.shape[1])
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    lr = 0.1 * a.batch / 128
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0}], lr=lr, momentum=0.9
    )
    warmup = min(2, a.epochs / 5)
    pad = max(1, round(size / 8))
    steps = math.ceil(len(yt) / a.batch)
    history = []
    for epoch in range(a.epochs):
        order = torch.randperm(len(yt), generator=gen)
        total, count = 0.0, 0
        for s in range(steps):
            ix = order[s * a.batch : (s + 1) * a.batch]
            if len(ix) < 2:
                continue
            for g in opt.param_groups:
                g["lr"] = step_lr(lr, a.epochs, warmup, epoch, s, steps)
            loss = F.cross_entropy(model(normalize(augment(xt[ix], pad, gen))), yt[ix])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(ix)
            count += len(ix)
        history.append({"epoch": epoch, "trainLoss": total / count, "valTop1": evaluate(model, xv, yv, a.batch)})
    print(json.dumps({"seconds": time.time() - started, "top1": history[-1]["valTop1"], "history": history}))


if __name__ == "__main__":
    main()
