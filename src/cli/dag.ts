import { Command } from 'commander';
import { addPipelineOptions, targetFromOptions, type PipelineCliOptions } from './pipeline-options';

export function register(program: Command): void {
  const cmd = program
    .command('dag')
    .description('show the pipeline DAG for a preset: a text tree (default) or Mermaid')
    .option('--mermaid', 'print a Mermaid flowchart of the stages')
    .option('--instances', 'list every instance of matrix stages');
  addPipelineOptions(cmd).action(async (o: PipelineCliOptions & { mermaid?: boolean; instances?: boolean }) => {
    const { dagMermaid, dagText, openPipeline, stageEdges, stageList } = await import('../pipeline');
    const { dag, loaded } = openPipeline(targetFromOptions(o));
    if (o.json) {
      const out = {
        preset: loaded.name,
        stages: stageList(dag),
        edges: stageEdges(dag),
        instances: dag.instances.map((i) => ({ name: i.name, stage: i.stage.name, deps: i.deps, outputs: i.outputs.map((x) => x.spec) })),
      };
      process.stdout.write(JSON.stringify(out, null, 1) + '\n');
    } else if (o.mermaid) {
      process.stdout.write(dagMermaid(dag) + '\n');
    } else {
      process.stdout.write(dagText(dag, { instances: o.instances }) + '\n');
    }
  });
}
