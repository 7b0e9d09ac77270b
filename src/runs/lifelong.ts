/**
 * Results of the lifelong sweep (`pipeline/sweeps/lifelong.ts`; Chen et al. 2023's expert growth): per seed, one
 * record `lifelong/s<seed>.json` with the base run's losses on both corpora and each arm's before and after training
 * on the new corpus. The `lifelong@s<seed>` stage writes it, the claim (`src/report/claims/lifelong.ts`) reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MoelabError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';

/** The arms continued from a base run on the new corpus. */
export const LIFELONG_ARMS = ['finetune', 'grow-frozen', 'grow'] as const;
export type LifelongArm = (typeof LIFELONG_ARMS)[number];

const losses = z.object({ before: z.number(), after: z.number() }).strict();

export const LifelongRecordSchema = z
  .object({
    schema: z.literal(1),
    seed: z.number().int(),
    baseRunId: z.string(),
    /** The base run's experts (E · G) and its final validation loss on the old corpus. */
    base: z.object({ experts: z.number().int().positive(), oldLoss: z.number() }).strict(),
    arms: z
      .array(
        z
          .object({
            arm: z.enum(LIFELONG_ARMS),
            runId: z.string(),
            experts: z.number().int().positive(),
            freeze: z.array(z.string()),
            /** Validation loss on the old corpus before the arm's first step (the base's weights) and after its last. */
            old: losses,
            /** The same on the new corpus. */
            new: losses,
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type LifelongRecord = z.output<typeof LifelongRecordSchema>;

/** A lifelong record that cannot be read: names the file and the fix. */
export class LifelongRecordError extends MoelabError {
  override name = 'LifelongRecordError';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}`);
  }
}

export function writeLifelongRecord(file: string, record: LifelongRecord): void {
  writeFileAtomic(file, JSON.stringify(LifelongRecordSchema.parse(record), null, 2) + '\n');
}

/** Every `s<seed>.json` of a lifelong folder, by seed (none when the folder does not exist); a damaged one is an error naming it. */
export function readLifelongRecords(dir: string): LifelongRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^s\d+\.json$/.test(f))
    .sort((a, b) => Number(a.slice(1, -5)) - Number(b.slice(1, -5)))
    .map((f) => {
      const file = path.join(dir, f);
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new LifelongRecordError(file, `is not JSON (${(e as Error).message}); re-run its stage: moelab repro 'lifelong@${f.slice(0, -5)}' --force 'lifelong@${f.slice(0, -5)}'`);
      }
      const parsed = LifelongRecordSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new LifelongRecordError(file, `field ${issue.path.join('.') || '(root)'}: ${issue.message}; re-run its stage (moelab repro --force 'lifelong@${f.slice(0, -5)}')`);
      }
      return parsed.data;
    });
}
