// Child process for the kill-and-resume test: trains the config in argv[2] into argv[3], printing each step.
import * as fs from 'node:fs';
import { trainRun } from '../../src/train';

const cfg = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8'));
trainRun(cfg, { outDir: process.argv[3]!, resume: process.argv[4] === 'resume', onProgress: (p) => console.log(`step ${p.step}`) })
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
