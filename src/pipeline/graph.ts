import fg from 'fast-glob';
import { DagError, StageCheckError, TargetError } from './errors';
import { getPath, stableStringify } from './json';
import { resolveOutput, type PipelineRoots, type ResolvedOutput } from './paths';
import type { AnyStage, StageResources } from './types';

/** One stage instance with its parameters and paths resolved against a config. */
export interface StageInstance {
  /** `stage` or `stage@name`. */
  name: string;
  stage: AnyStage;
  /** Matrix instance name, or null. */
  matrixName: string | null;
  /** Declared parameter values, by dotted key. */
  params: Record<string, unknown>;
  /** Per-instance matrix parameters (undefined for plain stages). */
  matrix: unknown;
  /** Upstream instance names (expanded, sorted). */
  deps: string[];
  /** Input specs as declared (globs unexpanded). */
  inputSpecs: string[];
  outputs: ResolvedOutput[];
  resources: StageResources;
}

/** The expanded DAG. */
export interface Dag {
  /** Instances in a topological order (deps first; declaration order among peers). */
  instances: StageInstance[];
  byName: Map<string, StageInstance>;
  /** Stage name → its instance names. */
  groups: Map<string, string[]>;
  /** Absolute output path → producing instance. */
  producers: Map<string, string>;
}

const STAGE_NAME = /^[a-z][a-z0-9-]*$/;
const MATRIX_NAME = /^[A-Za-z0-9._=+-]+$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function perInstance<T>(v: T | ((p: any, m: any) => T) | undefined, params: unknown, matrix: unknown, dflt: T): T {
  if (v === undefined) return dflt;
  return typeof v === 'function' ? (v as (p: unknown, m: unknown) => T)(params, matrix) : v;
}

/** Expands stages against a config into instances; validates names, deps, outputs and acyclicity. */
export function expandDag(stages: readonly AnyStage[], config: unknown, roots: PipelineRoots): Dag {
  const seenStages = new Set<string>();
  const raw: StageInstance[] = [];
  const groups = new Map<string, string[]>();
  for (const stage of stages) {
    if (!STAGE_NAME.test(stage.name)) throw new DagError(`stage name '${stage.name}' must match ${STAGE_NAME} (lowercase, digits, '-')`);
    if (seenStages.has(stage.name)) throw new DagError(`two stages are named '${stage.name}'; rename one`);
    seenStages.add(stage.name);
    const params: Record<string, unknown> = {};
    for (const g of stage.gridParams ?? []) {
      if (!stage.params.includes(g)) throw new DagError(`stage ${stage.name}: gridParams key '${g}' must also be listed in params`);
    }
    for (const key of stage.params) {
      // An unknown top-level section is a typo; a missing key below it is an optional setting left out (undefined).
      const section = key.split('.')[0];
      if (!getPath(config, section).found) {
        throw new DagError(`stage ${stage.name} reads parameter '${key}', but the preset has no section '${section}'; add it to the preset schema or fix the key`);
      }
      params[key] = getPath(config, key).value;
    }
    if (stage.when && !stage.when(params)) {
      groups.set(stage.name, []);
      continue;
    }
    const variants: Array<{ name: string | null; matrix: unknown }> = stage.matrix
      ? stage.matrix(params).map((m) => ({ name: m.name, matrix: m.params }))
      : [{ name: null, matrix: undefined }];
    const names: string[] = [];
    for (const v of variants) {
      if (v.name !== null && !MATRIX_NAME.test(v.name)) {
        throw new DagError(`stage ${stage.name}: matrix instance name '${v.name}' must match ${MATRIX_NAME}`);
      }
      const name = v.name === null ? stage.name : `${stage.name}@${v.name}`;
      if (names.includes(name)) throw new DagError(`stage ${stage.name}: matrix yields the instance name '${name}' twice; make names unique`);
      names.push(name);
      try {
        stage.check?.(params, v.matrix, roots.repoRoot);
      } catch (e) {
        throw new StageCheckError(name, e as Error);
      }
      const outputs = perInstance(stage.outputs, params, v.matrix, [] as readonly string[]).map((o) => resolveOutput(o, roots, name));
      raw.push({
        name,
        stage,
        matrixName: v.name,
        params,
        matrix: v.matrix,
        deps: [...perInstance(stage.deps, params, v.matrix, [] as readonly string[])],
        inputSpecs: [...perInstance(stage.inputs, params, v.matrix, [] as readonly string[])],
        outputs,
        resources: perInstance(stage.resources, params, v.matrix, { cpus: 1 } as StageResources),
      });
    }
    groups.set(stage.name, names);
  }
  const byName = new Map(raw.map((i) => [i.name, i]));
  // expand deps: stage names → all their instances
  for (const inst of raw) {
    const expanded = new Set<string>();
    for (const d of inst.deps) {
      const group = groups.get(d);
      if (group) group.forEach((g) => expanded.add(g));
      else if (byName.has(d)) expanded.add(d);
      else throw new DagError(`stage ${inst.name} depends on '${d}', which is neither a stage nor an instance; known stages: ${[...groups.keys()].join(', ')}`);
    }
    expanded.delete(inst.name);
    inst.deps = [...expanded].sort();
  }
  const producers = new Map<string, string>();
  for (const inst of raw) {
    for (const o of inst.outputs) {
      const prev = producers.get(o.abs);
      if (prev) throw new DagError(`output ${o.spec} is declared by both ${prev} and ${inst.name}; each output has one producer`);
      producers.set(o.abs, inst.name);
    }
  }
  // topological order (Kahn, stable in declaration order)
  const order: StageInstance[] = [];
  const state = new Map<string, number>();
  const visit = (inst: StageInstance, trail: string[]) => {
    const s = state.get(inst.name);
    if (s === 2) return;
    if (s === 1) throw new DagError(`dependency cycle: ${[...trail, inst.name].join(' → ')}`);
    state.set(inst.name, 1);
    for (const d of inst.deps) visit(byName.get(d)!, [...trail, inst.name]);
    state.set(inst.name, 2);
    order.push(inst);
  };
  for (const inst of raw) visit(inst, []);
  return { instances: order, byName, groups, producers };
}

/** Instances needed for `targets` (stage names, instance names, or globs like `train@moe-*`), with all ancestors, in topological order. */
export function selectInstances(dag: Dag, targets: readonly string[]): StageInstance[] {
  if (targets.length === 0) return dag.instances;
  const wanted = new Set<string>();
  for (const t of targets) {
    const group = dag.groups.get(t);
    if (group && group.length === 0) {
      throw new TargetError(`stage '${t}' has no instances with this preset (it does not apply here, or its grid is empty); moelab dag lists the stages that do`);
    }
    let matched: string[] = group ?? (dag.byName.has(t) ? [t] : []);
    if (matched.length === 0 && fg.isDynamicPattern(t)) {
      const re = new RegExp(`^${t.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      matched = dag.instances.map((i) => i.name).filter((n) => re.test(n));
    }
    if (matched.length === 0) {
      throw new TargetError(`target '${t}' matches no stage or instance; stages: ${[...dag.groups.keys()].join(', ')} (moelab dag lists instances)`);
    }
    matched.forEach((m) => wanted.add(m));
  }
  const closure = new Set<string>();
  const add = (n: string) => {
    if (closure.has(n)) return;
    closure.add(n);
    dag.byName.get(n)!.deps.forEach(add);
  };
  wanted.forEach(add);
  return dag.instances.filter((i) => closure.has(i.name));
}

/** Instances downstream of `names` (inclusive). */
export function descendants(dag: Dag, names: Iterable<string>): Set<string> {
  const out = new Set<string>(names);
  for (const inst of dag.instances) if (inst.deps.some((d) => out.has(d))) out.add(inst.name);
  return out;
}

/** The instance's parameter fingerprint input (declared params + matrix params). */
export function instanceParams(inst: StageInstance): unknown {
  const grid = new Set<string>(inst.stage.gridParams ?? []);
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inst.params)) if (!grid.has(k)) own[k] = v;
  return inst.matrix === undefined ? own : { ...own, '@matrix': inst.matrix };
}

/** Stable string of the parameters (for display and comparisons). */
export function paramsString(inst: StageInstance): string {
  return stableStringify(instanceParams(inst));
}
