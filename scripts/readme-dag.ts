/**
 * Rewrites the Mermaid diagram in README.md between `<!-- dag:start -->` and `<!-- dag:end -->` from
 * `moelab dag --mermaid` (default preset). Usage: `npx tsx scripts/readme-dag.ts [--preset NAME] [--check]`
 * (`--check` exits 1 when the README is out of date instead of writing it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { dagMermaid, openPipeline } from '../src/pipeline';
import { writeFileAtomic } from '../src/util/atomic-write';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const presetIdx = args.indexOf('--preset');
const session = openPipeline({
  pipelineModule: path.join(root, 'pipeline', 'dag.ts'),
  preset: presetIdx >= 0 ? args[presetIdx + 1] : undefined,
  repoRoot: root,
  resultsDir: path.join(root, 'results'),
  dataDir: path.join(root, 'data'),
});
const readme = path.join(root, 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const start = '<!-- dag:start -->';
const end = '<!-- dag:end -->';
const i = text.indexOf(start);
const j = text.indexOf(end);
if (i < 0 || j < i) {
  console.error(`README.md has no ${start} … ${end} block; add one under "## Pipeline"`);
  process.exit(2);
}
const block = `${start}\n\`\`\`mermaid\n${dagMermaid(session.dag)}\n\`\`\`\n${end}`;
const next = text.slice(0, i) + block + text.slice(j + end.length);
if (args.includes('--check')) {
  if (next !== text) {
    console.error('README.md DAG diagram is out of date: run npx tsx scripts/readme-dag.ts');
    process.exit(1);
  }
} else if (next !== text) {
  writeFileAtomic(readme, next);
  console.log(`updated the DAG diagram in README.md (preset ${session.loaded.name})`);
}
