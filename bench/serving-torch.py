# PyTorch eager reference for bench/serving.ts: ms per forward (eval, no_grad) at 224 px.
import json, sys, time, torch, torchvision
torch.set_num_threads(int(sys.argv[1]))
out = {}
for arch in ["resnet18", "resnet50"]:
    m = getattr(torchvision.models, arch)().eval()
    for n in [1, 8]:
        x = torch.randn(n, 3, 224, 224)
        iters = 10 if n == 1 else 4
        with torch.no_grad():
            for _ in range(2): m(x)
            t = []
            for _ in range(iters):
                s = time.perf_counter(); m(x); t.append((time.perf_counter() - s) * 1000)
        t.sort()
        out[f"{arch}/b{n}"] = t[len(t) // 2]
print(json.dumps(out))
