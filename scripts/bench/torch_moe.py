#!/usr/bin/env python3
"""PyTorch reference for `moelab bench train`: the same decoder-only MoE as src/model (pre-LN, learned
positions, tied embeddings, GELU experts, softmax router, top-k token choice without capacity limit,
AdamW), trained on random byte tokens at 1 thread. Prints one JSON line: {"tokens_per_s": ..., ...}.

Usage: /usr/bin/python3 scripts/bench/torch_moe.py --d-model 128 --layers 4 --experts 8 --top-k 2 \
         --seq 64 --batch 32 --steps 10 [--dense] [--serve]

With --serve it times no --steps: after its warm-up steps it prints {"ready": true, ...}, then reads a number n per
line of stdin and answers each with {"steps": n, "seconds": ..., "cpu_seconds": ...} for n more steps of the same
run (an empty line, 0 or end of input ends it), so a caller can time it in rounds alternating with its own steps.
"""
import argparse, json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class MoE(nn.Module):
    def __init__(self, d, dff, experts, k):
        super().__init__()
        self.router = nn.Linear(d, experts, bias=False)
        self.w1 = nn.Parameter(torch.randn(experts, d, dff) * 0.02)
        self.w2 = nn.Parameter(torch.randn(experts, dff, d) * 0.02)
        self.k = k

    def forward(self, x):
        probs = F.softmax(self.router(x), dim=-1)
        gate, idx = probs.topk(self.k, dim=-1)
        out = torch.zeros_like(x)
        for e in range(self.w1.shape[0]):
            tok, slot = (idx == e).nonzero(as_tuple=True)
            if tok.numel() == 0:
                continue
            h = F.gelu(x[tok] @ self.w1[e]) @ self.w2[e]
            out.index_add_(0, tok, h * gate[tok, slot].unsqueeze(1))
        return out


class Block(nn.Module):
    def __init__(self, d, heads, dff, experts, k):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.heads = heads
        self.ffn = MoE(d, dff, experts, k) if experts > 1 else nn.Sequential(
            nn.Linear(d, dff, bias=False), nn.GELU(), nn.Linear(dff, d, bias=False))

    def forward(self, x, B, T):
        d = x.shape[1]
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, 'scaled_dot_product_attention') else None
        if a is None:
            s = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
            s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float('-inf'))
            a = F.softmax(s, -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B * T, d))
        return x + self.ffn(self.ln2(x))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--d-model', type=int, default=128)
    p.add_argument('--layers', type=int, default=4)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--experts', type=int, default=8)
    p.add_argument('--top-k', type=int, default=2)
    p.add_argument('--seq', type=int, default=64)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--dense', action='store_true')
    p.add_argument('--serve', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    d, V = a.d_model, 256
    experts = 1 if a.dense else a.experts
    emb, pos = nn.Embedding(V, d), nn.Embedding(a.seq, d)
    blocks = nn.ModuleList([Block(d, a.heads, 4 * d, experts, a.top_k) for _ in range(a.layers)])
    lnf = nn.LayerNorm(d)
    params = list(emb.parameters()) + list(pos.parameters()) + list(blocks.parameters()) + list(lnf.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.1)
    B, T = a.batch, a.seq
    positions = torch.arange(T).repeat(B)

    def step():
        toks = torch.randint(0, V, (B * T + 1,))
        x = emb(toks[:-1]) + pos(positions)
        for blk in blocks:
            x = blk(x, B, T)
        loss = F.cross_entropy(lnf(x) @ emb.weight.t(), toks[1:])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()

    for _ in range(2):
        step()
    if a.serve:
        serve(step, a.threads)
        return
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        step()
    dt, cdt = time.perf_counter() - t0, time.process_time() - c0
    # cpu_tokens_per_s: per second of this process's CPU time, robust when the machine is shared.
    print(json.dumps({'tokens_per_s': a.steps * B * T / dt, 'cpu_tokens_per_s': a.steps * B * T / cdt, 'torch': torch.__version__, 'threads': a.threads, 'steps': a.steps}))


def serve(step, threads):
    """Answer each line n of stdin with the wall and CPU seconds of n more steps (see the module's docstring)."""
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': threads}), flush=True)
    for line in sys.stdin:
        n = int(line) if line.strip() else 0
        if n <= 0:
            break
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            step()
        print(json.dumps({'steps': n, 'seconds': time.perf_counter() - t0, 'cpu_seconds': time.process_time() - c0}), flush=True)


if __name__ == '__main__':
    main()
