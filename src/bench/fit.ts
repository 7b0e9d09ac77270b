/**
 * Bench suite `fit`: Chinchilla Approach-3 fit (Hoffmann et al. App. D.2 grid, 4500 L-BFGS starts) plus 1000
 * warm-started bootstrap refits on a 240-point synthetic Chinchilla set (Epoch's refit coefficients planted,
 * 0.5% noise), moelab vs scipy's L-BFGS-B on the same summed-Huber objective and data, in one run. Wall and
 * CPU time both sides (the machine may be shared), ratios on both; everything single-threaded.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootstrapFit } from '../laws/fit/bootstrap';
import { fitLaw } from '../laws/fit/fit';
import { syntheticObservations } from '../laws/synthetic';
import type { BenchResult, BenchSuite } from './types';

const PYTHON = '/usr/bin/python3';

interface ScipyReport {
  starts: number;
  objective: number;
  grid_seconds: number;
  bootstrap_seconds: number;
  total_seconds: number;
  grid_cpu_seconds: number;
  bootstrap_cpu_seconds: number;
  total_cpu_seconds: number;
  alpha_se: number | null;
}

function runScipy(repoRoot: string, tmpDir: string, input: object): ScipyReport | string {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import scipy'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'python3-scipy not installed (apt-get install -y python3-scipy)';
  const file = path.join(tmpDir, 'chinchilla.json');
  fs.writeFileSync(file, JSON.stringify(input));
  // one thread each side (the objective is elementwise numpy; this only stops idle BLAS/OpenMP pools)
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(PYTHON, [path.join(repoRoot, 'scripts/bench/scipy_fit.py')], { input: fs.readFileSync(file), encoding: 'utf8', maxBuffer: 1 << 24, env });
  if (r.status !== 0) return `scipy_fit.py failed: ${r.stderr.slice(-500)}`;
  return JSON.parse(r.stdout) as ScipyReport;
}

export const suite: BenchSuite = {
  name: 'fit',
  description: 'Approach-3 Chinchilla fit (4500-start grid + bootstrap) vs scipy L-BFGS-B on the same objective',
  async run(opts) {
    const resamples = opts.quick ? 100 : 1000;
    const obs = syntheticObservations('chinchilla', { seed: 2024, noise: 0.005 });
    const input = { params: obs.x.map((r) => r[0]), tokens: obs.x.map((r) => r[1]), loss: obs.loss, bootstrap: resamples, seed: 0 };
    opts.log(`fit: scipy L-BFGS-B, 4500 starts + ${resamples} bootstraps …`);
    const scipy = runScipy(opts.repoRoot, opts.tmpDir, input);
    opts.log(`fit: moelab L-BFGS, 4500 starts + ${resamples} bootstraps …`);
    const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1e6;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const fit = fitLaw('chinchilla', obs);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const boot = bootstrapFit('chinchilla', obs, { fullFit: fit, scheme: { resamples }, seed: 0 });
    const t2 = performance.now();
    const c2 = process.cpuUsage();
    const ours = { grid: (t1 - t0) / 1000, boot: (t2 - t1) / 1000, gridCpu: cpuSeconds(c0, c1), bootCpu: cpuSeconds(c1, c2) };
    const results: BenchResult[] = [];
    if (typeof scipy === 'string') {
      results.push({ label: `moelab grid + ${resamples} bootstraps`, value: ours.grid + ours.boot, unit: 's', lowerIsBetter: true, notes: `scipy reference unavailable: ${scipy}` });
      results.push({ label: 'moelab objective (summed Huber)', value: fit.objective, unit: 'huber', lowerIsBetter: true });
      return results;
    }
    const speedup = scipy.total_seconds / (ours.grid + ours.boot);
    const speedupCpu = scipy.total_cpu_seconds / (ours.gridCpu + ours.bootCpu);
    results.push({
      label: `grid (4500 starts) + ${resamples} bootstraps, wall time`,
      value: ours.grid + ours.boot,
      unit: 's',
      reference: scipy.total_seconds,
      referenceLabel: 'scipy L-BFGS-B (numpy objective, analytic gradient)',
      lowerIsBetter: true,
      notes: `speed-up ${speedup.toFixed(1)}x (goal ≥ 10x); grid ${ours.grid.toFixed(2)} s vs ${scipy.grid_seconds.toFixed(2)} s (${(scipy.grid_seconds / ours.grid).toFixed(1)}x), bootstrap ${ours.boot.toFixed(2)} s vs ${scipy.bootstrap_seconds.toFixed(2)} s (${(scipy.bootstrap_seconds / ours.boot).toFixed(1)}x)`,
    });
    results.push({
      label: `grid (4500 starts) + ${resamples} bootstraps, CPU time`,
      value: ours.gridCpu + ours.bootCpu,
      unit: 's',
      reference: scipy.total_cpu_seconds,
      referenceLabel: 'scipy L-BFGS-B CPU time (time.process_time)',
      lowerIsBetter: true,
      notes: `speed-up ${speedupCpu.toFixed(1)}x; grid ${ours.gridCpu.toFixed(2)} s vs ${scipy.grid_cpu_seconds.toFixed(2)} s (${(scipy.grid_cpu_seconds / ours.gridCpu).toFixed(1)}x), bootstrap ${ours.bootCpu.toFixed(2)} s vs ${scipy.bootstrap_cpu_seconds.toFixed(2)} s (${(scipy.bootstrap_cpu_seconds / ours.bootCpu).toFixed(1)}x); process.cpuUsage vs time.process_time, both single-threaded`,
    });
    results.push({ label: 'speed-up over scipy, wall time', value: speedup, unit: 'x', goal: 10, notes: 'scipy time / moelab time, same data, objective and grid' });
    results.push({ label: 'speed-up over scipy, CPU time', value: speedupCpu, unit: 'x', goal: 10, notes: 'robust to other jobs on the machine' });
    results.push({
      label: 'objective reached (summed Huber, lower is better)',
      value: fit.objective,
      unit: 'huber',
      reference: scipy.objective,
      referenceLabel: 'scipy best over the grid',
      lowerIsBetter: true,
      notes: `moelab ${fit.objective.toPrecision(13)}, scipy ${scipy.objective.toPrecision(13)}: moelab − scipy = ${(fit.objective - scipy.objective).toExponential(2)}`,
    });
    results.push({
      label: 'bootstrap SE of alpha',
      value: boot.coefficients.alpha.se,
      unit: '',
      reference: scipy.alpha_se ?? NaN,
      referenceLabel: 'scipy bootstrap SE',
      notes: `moelab ${boot.coefficients.alpha.se.toPrecision(6)} vs scipy ${scipy.alpha_se?.toPrecision(6)}; scipy's default ftol (2.2e-9 absolute at objectives < 1) stops resamples near their warm start, understating the SE (Epoch AI's 'loss scale' finding); moelab converges each resample (Newton with the analytic Hessian)`,
    });
    return results;
  },
};

export default suite;
