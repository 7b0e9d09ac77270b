"""PyTorch reference for src/bench/gpu.ts: the same pre-LN block stack (dense, or 8 experts top-2 with fixed
routing at capacity factor 1.25), same shapes, Adam step, fp32 with TF32 off and on. Prints one JSON line per
shape; FLOPs counted as in src/bench/gpu.ts (6 * active non-embedding params * tokens + 12 * L * S * d * tokens).
Usage: python3 scripts/gpu/torch_step.py [--out FILE]"""
import json, math, sys, time
import torch
import torch.nn.functional as F

def step_flops(d, L, E, B, S):
    ffn = 8 * d * d * (2 if E else 1)
    per = 4 * d * d + ffn + (d * E if E else 0)
    T = B * S
    return 6 * L * per * T + 12 * L * S * d * T

def build(d, L, E, B, S, dev):
    g = torch.Generator(device="cpu").manual_seed(0)
    T, H = B * S, max(1, d // 64)
    P = lambda *sh: torch.nn.Parameter((torch.randn(*sh, generator=g) * 0.02).to(dev))
    emb = P(256, d)
    layers = []
    for _ in range(L):
        layers.append(dict(ln1=torch.nn.LayerNorm(d).to(dev), ln2=torch.nn.LayerNorm(d).to(dev), qkv=P(d, 3 * d), proj=P(d, d),
                           w1=P(E, d, 4 * d) if E else P(d, 4 * d), w2=P(E, 4 * d, d) if E else P(4 * d, d), router=P(d, E) if E else None))
    params = [emb] + [p for l in layers for k, p in l.items() if isinstance(p, torch.nn.Parameter)] + \
             [p for l in layers for k in ("ln1", "ln2") for p in l[k].parameters()]
    tokens = torch.randint(0, 256, (T,), generator=g).to(dev)
    targets = torch.randint(0, 256, (T,), generator=g).to(dev)
    cap = math.ceil(1.25 * 2 * T / E) if E else 0
    slots = torch.randint(0, T, (E * cap,), generator=g).to(dev) if E else None
    gate_idx = (slots * E + torch.arange(E * cap, device=dev) // cap) if E else None
    opt = torch.optim.Adam(params, lr=3e-3)

    def loss_fn():
        x = emb[tokens]
        for l in layers:
            h = l["ln1"](x)
            q, k, v = (h @ l["qkv"]).view(B, S, 3, H, d // H).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + a.transpose(1, 2).reshape(T, d) @ l["proj"]
            h = l["ln2"](x)
            if E:
                gate = torch.softmax(h @ l["router"], -1).reshape(-1)[gate_idx].unsqueeze(1)
                xin = h[slots].view(E, cap, d)
                y = torch.bmm(F.gelu(torch.bmm(xin, l["w1"])), l["w2"]).reshape(E * cap, d) * gate
                x = x + torch.zeros_like(h).index_add_(0, slots, y)
            else:
                x = x + F.gelu(h @ l["w1"]) @ l["w2"]
        return F.cross_entropy(x @ emb.t(), targets)

    def step():
        opt.zero_grad(set_to_none=True)
        l = loss_fn()
        l.backward()
        opt.step()
        return l
    return step

def main():
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
    rows = []
    dev = "cuda"
    for tf32 in (False, True):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        for d in (256, 512, 768):
            for E in (0, 8):
                L, B, S = 4, 32, 256
                step = build(d, L, E, B, S, dev)
                for _ in range(3): step()
                torch.cuda.synchronize()
                times = []
                for _ in range(20):
                    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s.record(); l = step(); e.record(); torch.cuda.synchronize()
                    times.append(s.elapsed_time(e) / 1000)
                sec = sorted(times)[len(times) // 2]
                row = dict(dModel=d, layers=L, experts=E, batch=B, seqLen=S, tf32=tf32, seconds=sec, tokensPerSecond=B * S / sec,
                           modelTflops=step_flops(d, L, E, B, S) / sec / 1e12, loss=float(l))
                rows.append(row)
                print(json.dumps(row), flush=True)
    if out:
        json.dump(dict(torch=torch.__version__, device=torch.cuda.get_device_name(0), rows=rows), open(out, "w"), indent=1)

if __name__ == "__main__":
    main()
