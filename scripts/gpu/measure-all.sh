#!/usr/bin/env bash
# One call on an H100/H200 box (≤ 10 minutes): the webgpu step bench and the PyTorch reference side by side,
# then one JSON with the ratios the README's GPU targets are stated in (issue 16: webgpu ≥ 0.4× PyTorch fp32
# tokens/s at d_model 768, ≥ 0.2× at 256; 4 blocks, 32×256 tokens, dense and MoE 8×top-2) and MFU.
# Needs the bundle (scripts/gpu/build-bundle.sh, copied with the repository) and python3 with torch+CUDA for
# the reference (the step is skipped, and says so in the JSON, when torch is missing).
# Writes to $OUT (default ./gpu-out): smoke.json, torch.json, bench-webgpu.json, measure-all.json.
# Usage: scripts/gpu/measure-all.sh [--quick]     (--quick: d256 only, 3 timed steps)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
quick=()
[ "${1:-}" = --quick ] && quick=(--quick)
log() { echo "measure-all: $*" >&2; }
t0=$(date +%s)

log "smoke (adapter, tfjs webgpu init, matmul TFLOP/s)"
timeout 120 "$root/scripts/gpu/run.sh" smoke >"$OUT/smoke.log" 2>&1 || log "smoke failed (see $OUT/smoke.log)"

torch_status=missing
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  log "PyTorch reference (scripts/gpu/torch_step.py)"
  if timeout 240 python3 "$root/scripts/gpu/torch_step.py" --out "$OUT/torch.json" >"$OUT/torch.log" 2>&1; then torch_status=ok
  else torch_status="failed (see torch.log)"; fi
else
  log "python3 with torch+CUDA not found: PyTorch reference skipped"
fi

log "webgpu step bench (fused model step, plain tfjs-ops step, per-step counts)"
bench_status=ok
timeout 420 "$root/scripts/gpu/run.sh" gpu-compare --part bench "${quick[@]}" >"$OUT/bench.log" 2>&1 || bench_status="failed (see bench.log)"

python3 - "$OUT" "$torch_status" "$bench_status" "$(( $(date +%s) - t0 ))" <<'PY'
import json, os, sys, datetime
out, torch_status, bench_status, wall = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def load(name):
    p = os.path.join(out, name)
    return json.load(open(p)) if os.path.exists(p) else None
bench, torch = load("bench-webgpu.json"), load("torch.json")
PEAK_FP32_TFLOPS = 67.0  # H100 SXM / H200 fp32 (non-tensor-core) peak, the MFU base of the README
rows = []
for r in (bench or {}).get("rows", []):
    ref = next((t for t in (torch or {}).get("rows", []) if t["dModel"] == r["dModel"] and t["experts"] == r["experts"] and not t["tf32"]), None)
    ref32 = next((t for t in (torch or {}).get("rows", []) if t["dModel"] == r["dModel"] and t["experts"] == r["experts"] and t["tf32"]), None)
    ratio = r["tokensPerSecond"] / ref["tokensPerSecond"] if ref else None
    goal = {768: 0.4, 256: 0.2}.get(r["dModel"])
    rows.append(dict(
        dModel=r["dModel"], kind="moe8-top2" if r["experts"] else "dense",
        webgpuTokensPerSecond=r["tokensPerSecond"], webgpuTflops=r["modelTflops"], webgpuMfu=r["modelTflops"] / PEAK_FP32_TFLOPS,
        plainTfjsOpsTokensPerSecond=r["plainTfjsOps"]["tokensPerSecond"],
        torchFp32TokensPerSecond=ref["tokensPerSecond"] if ref else None, torchTf32TokensPerSecond=ref32["tokensPerSecond"] if ref32 else None,
        ratioVsTorchFp32=ratio, goal=goal, goalMet=(ratio >= goal) if (ratio is not None and goal is not None) else None,
        dispatchesPerStep=r["perStep"]["fused"]["dispatches"], dispatchesPerStepUnfused=r["perStep"]["unfused"]["dispatches"],
        dispatchesPerStepPlainTfjsOps=r["perStep"]["tfjsOps"]["dispatches"], readbacksPerStep=r["perStep"]["fused"]["readbacks"]))
summary = dict(date=datetime.datetime.utcnow().isoformat() + "Z", wallSeconds=wall, adapter=(bench or {}).get("adapter"),
               torch=dict(status=torch_status, version=(torch or {}).get("torch"), device=(torch or {}).get("device")),
               bench=dict(status=bench_status), peakFp32Tflops=PEAK_FP32_TFLOPS, rows=rows)
json.dump(summary, open(os.path.join(out, "measure-all.json"), "w"), indent=1)
for r in rows:
    ratio = "n/a" if r["ratioVsTorchFp32"] is None else f'{r["ratioVsTorchFp32"]:.3f}'
    print(f'd{r["dModel"]} {r["kind"]}: webgpu {r["webgpuTokensPerSecond"]:.0f} tok/s (MFU {100 * r["webgpuMfu"]:.1f}%), '
          f'torch fp32 {r["torchFp32TokensPerSecond"] or float("nan"):.0f} tok/s, ratio {ratio}, dispatches/step {r["dispatchesPerStep"]}')
print(f"wrote {os.path.join(out, 'measure-all.json')} ({wall} s)")
PY
