#!/usr/bin/python3
"""Numerical reference for Residual: seeded random-init torchvision ResNets, evaluated by PyTorch.

Run with Debian's /usr/bin/python3 (torch 1.13, torchvision 0.14). There is no safetensors package there, so the
format is written by hand (8-byte little-endian header length, JSON header, raw little-endian data).

  torch_reference.py reference --out DIR [--archs resnet18,resnet50] [--batch 2] [--size 224]
      DIR/input.npy (NCHW float32), DIR/<arch>.safetensors (state_dict, torch layout),
      DIR/<arch>.logits.npy, DIR/<arch>.features.npy (eval mode), DIR/manifest.json
  torch_reference.py onnx --out DIR [--archs ...]
      DIR/<arch>.onnx (dynamic batch, input "input", output "logits") and DIR/<arch>.safetensors (same weights)
  torch_reference.py verify --out DIR --archs resnet18 --weights W.safetensors
      loads W strictly into a torchvision model, prints {"maxAbsDiff": …} of its logits on DIR/input.npy
      against DIR/<arch>.logits.npy
  torch_reference.py bench --archs resnet18,resnet50 --batches 1,8 [--size 224] [--repeats 5]
      prints one JSON object: {"<arch>@<batch>": ms_per_image, ...}
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def build(arch, seed, num_classes=1000):
    """A torchvision model with every parameter and BN statistic random, so that each one matters."""
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5 + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
                m.num_batches_tracked.fill_(seed + 3)
    return model.eval()


def features(model, x):
    """Pooled features before the head (timm's forward_features + global pool)."""
    for name in ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool"]:
        x = getattr(model, name)(x)
    return torch.flatten(x, 1)


def write_safetensors(path, state_dict, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in state_dict.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def save_npy(path, t):
    np.save(path, np.ascontiguousarray(t.detach().cpu().numpy(), dtype="<f4"))


def cmd_reference(args):
    torch.manual_seed(args.seed)
    x = torch.randn(args.batch, 3, args.size, args.size)
    save_npy(os.path.join(args.out, "input.npy"), x)
    manifest = {"batch": args.batch, "size": args.size, "seed": args.seed, "models": {}}
    for i, arch in enumerate(args.archs):
        model = build(arch, args.seed + 10 * i, args.num_classes)
        with torch.no_grad():
            f = features(model, x)
            logits = model.fc(f)  # model(x) would run the trunk a second time
        sd = model.state_dict()
        if args.dtype != "F32":
            dt = {"F16": torch.float16, "BF16": torch.bfloat16}[args.dtype]
            sd = {k: (v.to(dt) if v.is_floating_point() else v) for k, v in sd.items()}
        write_safetensors(os.path.join(args.out, f"{arch}.safetensors"), sd, {"format": "pt"})
        save_npy(os.path.join(args.out, f"{arch}.logits.npy"), logits)
        save_npy(os.path.join(args.out, f"{arch}.features.npy"), f)
        manifest["models"][arch] = {
            "params": sum(p.numel() for p in model.parameters()),
            "maxAbsLogit": float(logits.abs().max()),
        }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def cmd_onnx(args):
    for i, arch in enumerate(args.archs):
        model = build(arch, args.seed + 10 * i, args.num_classes)
        write_safetensors(os.path.join(args.out, f"{arch}.safetensors"), model.state_dict(), {"format": "pt"})
        dummy = torch.randn(1, 3, args.size, args.size)
        torch.onnx.export(
            model, dummy, os.path.join(args.out, f"{arch}.onnx"), input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13,
        )


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    np_dtypes = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        arr = np.frombuffer(raw[8 + n + b:8 + n + end], dtype=np_dtypes[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def cmd_verify(args):
    arch = args.archs[0]
    model = getattr(torchvision.models, arch)(weights=None, num_classes=args.num_classes)
    model.load_state_dict(read_safetensors(args.weights), strict=True)
    x = torch.from_numpy(np.load(os.path.join(args.out, "input.npy")))
    with torch.no_grad():
        logits = model.eval()(x)
    ref = torch.from_numpy(np.load(os.path.join(args.out, f"{arch}.logits.npy")))
    json.dump({"maxAbsDiff": float((logits - ref).abs().max())}, sys.stdout)


def cmd_bench(args):
    results = {}
    for arch in args.archs:
        model = build(arch, args.seed, args.num_classes)
        for batch in args.batches:
            x = torch.randn(batch, 3, args.size, args.size)
            with torch.no_grad():
                model(x)  # warm-up: first call allocates and picks kernels
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    model(x)
                    times.append(time.perf_counter() - t0)
            results[f"{arch}@{batch}"] = 1000 * sorted(times)[len(times) // 2] / batch
    json.dump(results, sys.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["reference", "onnx", "verify", "bench"])
    p.add_argument("--weights", default="")
    p.add_argument("--out", default=".")
    p.add_argument("--archs", default="resnet18", type=lambda s: s.split(","))
    p.add_argument("--batch", default=2, type=int)
    p.add_argument("--batches", default="1,8", type=lambda s: [int(b) for b in s.split(",")])
    p.add_argument("--size", default=224, type=int)
    p.add_argument("--seed", default=0, type=int)
    p.add_argument("--num-classes", default=1000, type=int)
    p.add_argument("--repeats", default=5, type=int)
    p.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"], help="storage dtype of the weights")
    p.add_argument("--threads", default=0, type=int, help="torch threads (0: torch's default)")
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    {"reference": cmd_reference, "onnx": cmd_onnx, "verify": cmd_verify, "bench": cmd_bench}[args.command](args)


if __name__ == "__main__":
    main()
