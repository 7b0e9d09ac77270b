import cliProgress from 'cli-progress';
import type { StageProgress } from './types';

/** Receives scheduler events (terminal progress, logs, JSON). */
export interface ReproReporter {
  plan(total: number): void;
  upToDate(instance: string): void;
  start(instance: string, reasons: string[]): void;
  progress(instance: string, p: StageProgress): void;
  log(instance: string, level: 'info' | 'warn', message: string): void;
  finish(instance: string, ok: boolean, wallSeconds: number, error?: string): void;
  skipped(instance: string, reason: string): void;
  close(): void;
}

/** Reports nothing (tests, `--json`). */
export class SilentReporter implements ReproReporter {
  plan(): void {}
  upToDate(): void {}
  start(): void {}
  progress(): void {}
  log(): void {}
  finish(): void {}
  skipped(): void {}
  close(): void {}
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Counts and ETA shared by the reporters. */
class Tally {
  total = 0;
  done = 0;
  ran = 0;
  ranSeconds = 0;
  readonly t0 = Date.now();
  readonly running = new Map<string, StageProgress & { since: number }>();
  constructor(private readonly jobs: number) {}
  elapsed(): number {
    return (Date.now() - this.t0) / 1000;
  }
  /** ETA: the running instances' own estimates, plus the mean duration of finished runs for the rest. */
  eta(): number {
    const runningEta = Math.max(0, ...[...this.running.values()].map((r) => r.etaSeconds ?? 0));
    const remaining = this.total - this.done - this.running.size;
    if (remaining <= 0) return runningEta;
    if (this.ran === 0) return NaN;
    return runningEta + ((this.ranSeconds / this.ran) * remaining) / this.jobs;
  }
}

/** Non-TTY: one line per finished/failed/skipped instance on stderr, no live progress (CI logs stay short). */
export class LineReporter implements ReproReporter {
  private readonly tally: Tally;
  constructor(
    jobs: number,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
  ) {
    this.tally = new Tally(jobs);
  }
  plan(total: number): void {
    this.tally.total = total;
  }
  upToDate(): void {
    this.tally.done++;
  }
  start(instance: string): void {
    this.tally.running.set(instance, { since: Date.now() });
  }
  progress(): void {}
  log(instance: string, level: 'info' | 'warn', message: string): void {
    if (level === 'warn') this.write(`moelab: ${instance}: warning: ${message}\n`);
  }
  finish(instance: string, ok: boolean, wallSeconds: number, error?: string): void {
    const t = this.tally;
    t.running.delete(instance);
    t.done++;
    if (ok) {
      t.ran++;
      t.ranSeconds += wallSeconds;
    }
    this.write(`moelab: [${t.done}/${t.total}] ${ok ? 'done' : 'FAILED'} ${instance} in ${fmtSeconds(wallSeconds)}${error ? `: ${error}` : ''}\n`);
  }
  skipped(instance: string, reason: string): void {
    this.tally.done++;
    this.write(`moelab: skip ${instance}: ${reason}\n`);
  }
  close(): void {}
}

/** Live bars on a TTY: a total bar (done/total, running, elapsed, ETA) and one bar per running instance. */
export class TtyReporter implements ReproReporter {
  private readonly tally: Tally;
  private readonly multi: cliProgress.MultiBar;
  private totalBar: cliProgress.SingleBar | null = null;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private timer: NodeJS.Timeout | null = null;

  constructor(jobs: number) {
    this.tally = new Tally(jobs);
    this.multi = new cliProgress.MultiBar(
      { format: ' {bar} {label}', barsize: 24, hideCursor: true, clearOnComplete: false, stopOnComplete: false, stream: process.stderr, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
  }
  private header(): string {
    const t = this.tally;
    return `${t.done}/${t.total} stages, ${t.running.size} running, elapsed ${fmtSeconds(t.elapsed())}, ETA ${fmtSeconds(t.eta())}`;
  }
  private refresh(): void {
    this.totalBar?.update(this.tally.done, { label: this.header() });
  }
  plan(total: number): void {
    this.tally.total = total;
    this.totalBar = this.multi.create(Math.max(1, total), 0, { label: this.header() });
    this.timer = setInterval(() => this.refresh(), 1000);
    this.timer.unref();
  }
  upToDate(): void {
    this.tally.done++;
    this.refresh();
  }
  start(instance: string): void {
    this.tally.running.set(instance, { since: Date.now() });
    this.bars.set(instance, this.multi.create(1000, 0, { label: instance }));
    this.refresh();
  }
  progress(instance: string, p: StageProgress): void {
    const r = this.tally.running.get(instance);
    if (r) Object.assign(r, p);
    const extra = [p.message, p.tokensPerSecond ? `${Math.round(p.tokensPerSecond)} tok/s` : '', p.etaSeconds !== undefined ? `ETA ${fmtSeconds(p.etaSeconds)}` : '']
      .filter(Boolean)
      .join(', ');
    this.bars.get(instance)?.update(Math.round((p.fraction ?? 0) * 1000), { label: `${instance}${extra ? ` ${extra}` : ''}` });
  }
  log(instance: string, level: 'info' | 'warn', message: string): void {
    if (level === 'warn') this.multi.log(`${instance}: warning: ${message}\n`);
  }
  finish(instance: string, ok: boolean, wallSeconds: number, error?: string): void {
    const t = this.tally;
    t.running.delete(instance);
    t.done++;
    if (ok) {
      t.ran++;
      t.ranSeconds += wallSeconds;
    }
    const bar = this.bars.get(instance);
    if (bar) this.multi.remove(bar);
    this.bars.delete(instance);
    this.multi.log(`${ok ? 'done' : 'FAILED'} ${instance} in ${fmtSeconds(wallSeconds)}${error ? `: ${error}` : ''}\n`);
    this.refresh();
  }
  skipped(instance: string, reason: string): void {
    this.tally.done++;
    this.multi.log(`skip ${instance}: ${reason}\n`);
    this.refresh();
  }
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.refresh();
    this.multi.stop();
  }
}
