import type { InstanceStatus } from './fingerprint';
import type { Dag } from './graph';

/** Stage-level edges (matrix instances collapsed into their stage). */
export function stageEdges(dag: Dag): Array<[string, string]> {
  const edges = new Set<string>();
  for (const inst of dag.instances) {
    for (const d of inst.deps) edges.add(`${dag.byName.get(d)!.stage.name}\t${inst.stage.name}`);
  }
  return [...edges].sort().map((e) => e.split('\t') as [string, string]);
}

/** Stage names in topological order, with instance counts. */
export function stageList(dag: Dag): Array<{ stage: string; instances: number; description: string }> {
  const seen = new Map<string, { stage: string; instances: number; description: string }>();
  for (const inst of dag.instances) {
    const s = seen.get(inst.stage.name);
    if (s) s.instances++;
    else seen.set(inst.stage.name, { stage: inst.stage.name, instances: 1, description: inst.stage.description ?? '' });
  }
  return [...seen.values()];
}

/** Mermaid flowchart of the stage graph (matrix stages show their instance count). */
export function dagMermaid(dag: Dag): string {
  const lines = ['flowchart LR'];
  for (const s of stageList(dag)) {
    const label = s.instances > 1 ? `${s.stage}@… ×${s.instances}` : s.stage;
    lines.push(`  ${s.stage.replace(/-/g, '_')}["${label}"]`);
  }
  for (const [a, b] of stageEdges(dag)) lines.push(`  ${a.replace(/-/g, '_')} --> ${b.replace(/-/g, '_')}`);
  return lines.join('\n');
}

/** Text tree: each stage with its upstream stages, and (with `instances`) its instance names. */
export function dagText(dag: Dag, options: { instances?: boolean; status?: Map<string, InstanceStatus> } = {}): string {
  const lines: string[] = [];
  const edges = stageEdges(dag);
  for (const s of stageList(dag)) {
    const ups = edges.filter(([, b]) => b === s.stage).map(([a]) => a);
    lines.push(`${s.stage}${s.instances > 1 ? ` (${s.instances} instances)` : ''}${ups.length ? ` ← ${ups.join(', ')}` : ''}${s.description ? `  # ${s.description}` : ''}`);
    if (options.instances || options.status) {
      const insts = dag.groups.get(s.stage) ?? [];
      insts.forEach((name, i) => {
        const st = options.status?.get(name);
        const mark = st ? (st.stale ? `  stale: ${st.reasons.join('; ')}` : '  up to date') : '';
        if (insts.length > 1 || st) lines.push(`  ${i === insts.length - 1 ? '└─' : '├─'} ${name}${mark}`);
      });
    }
  }
  return lines.join('\n');
}
