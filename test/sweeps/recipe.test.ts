/**
 * One run recipe (issue 13 item 4): the preset's `train` section and the trainer config are both derived from
 * `RunRecipeSchema` (src/runs/recipe.ts). These tests fail when the two drift: a default that differs, a key one
 * has and the other lacks, or a recipe key that `sweepRunToTrainConfig` drops on its way to the trainer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { PRESET_ONLY_TRAIN_KEYS, trainSchema } from '../../pipeline/presets/sections';
import { expandSweeps, sweepRunToTrainConfig } from '../../pipeline/sweeps';
import { RECIPE_DATA_KEYS, RECIPE_OPTIMIZER_KEYS, RECIPE_SCHEDULE_KEYS, RECIPE_TOP_LEVEL_KEYS, RunRecipeSchema, type RunRecipe } from '../../src/runs/recipe';
import { parseTrainConfig, TrainConfigSchema, type TrainConfig } from '../../src/train/config';

/** Trainer-config keys (dotted) that only one run has, so no preset-wide recipe key corresponds to them. */
const TRAINER_ONLY_KEYS = ['model', 'data.corpusDir', 'tokens', 'evalEveryTokens', 'checkpointEveryTokens', 'checkpointEverySteps', 'runId', 'sweep', 'initFrom', 'evalCorpora'];

const recipeKeys = Object.keys(RunRecipeSchema.shape).sort();

/** Dotted keys of the trainer schema: its groups' keys under `data.`, `optimizer.`, `schedule.`, the rest at top level. */
function trainerSchemaKeys(): string[] {
  const s = TrainConfigSchema.shape;
  const groups: Record<string, z.ZodObject> = { data: s.data, optimizer: s.optimizer.unwrap(), schedule: s.schedule.unwrap() };
  return Object.keys(s).flatMap((k) => (k in groups ? Object.keys(groups[k]!.shape).map((g) => `${k}.${g}`) : [k])).sort();
}

/** The trainer's dotted key of each recipe key. */
const GROUP_OF: Record<string, string> = Object.fromEntries([
  ...Object.keys(RECIPE_DATA_KEYS).map((k) => [k, `data.${k}`]),
  ...Object.keys(RECIPE_OPTIMIZER_KEYS).map((k) => [k, `optimizer.${k}`]),
  ...Object.keys(RECIPE_SCHEDULE_KEYS).map((k) => [k, `schedule.${k}`]),
  ...Object.keys(RECIPE_TOP_LEVEL_KEYS).map((k) => [k, k]),
]);

/** The recipe values a resolved trainer config carries, under their recipe names. */
function recipeOf(cfg: TrainConfig): Record<string, unknown> {
  const flat: Record<string, unknown> = { ...cfg.data, ...cfg.optimizer, ...cfg.schedule, ...cfg };
  return Object.fromEntries(recipeKeys.map((k) => [k, flat[k]]));
}

test('every run-recipe key has exactly one place in the trainer config (data, optimizer, schedule or top level)', () => {
  assert.deepEqual(Object.keys(GROUP_OF).sort(), recipeKeys);
  assert.equal(new Set(Object.values(GROUP_OF)).size, recipeKeys.length);
});

test('a key added to the preset train section or to the trainer config, and not to the other, fails here', () => {
  const presetKeys = Object.keys(trainSchema.shape).sort();
  assert.deepEqual(presetKeys, [...recipeKeys, ...PRESET_ONLY_TRAIN_KEYS].sort(), 'preset train keys = run recipe + PRESET_ONLY_TRAIN_KEYS; put a shared key in RunRecipeSchema');
  assert.deepEqual(trainerSchemaKeys(), [...Object.values(GROUP_OF), ...TRAINER_ONLY_KEYS].sort(), 'trainer keys = run recipe + TRAINER_ONLY_KEYS; put a shared key in RunRecipeSchema');
});

test('parsing an empty preset train section and a minimal trainer config gives the same value for every shared key', () => {
  const recipe = RunRecipeSchema.parse({});
  const preset = trainSchema.parse({});
  const trainer = parseTrainConfig({ model: { dModel: 16, layers: 1, heads: 2 }, data: { corpusDir: 'c', seqLen: recipe.seqLen, batchSize: recipe.batchSize }, tokens: recipe.seqLen * recipe.batchSize });
  const presetRecipe = Object.fromEntries(recipeKeys.map((k) => [k, preset[k as keyof RunRecipe]]));
  assert.deepEqual(presetRecipe, recipe);
  assert.deepEqual(recipeOf(trainer), recipe);
});

test('the defaults the committed presets rely on are lr 3e-3 and 32768 evaluation tokens', () => {
  const recipe = RunRecipeSchema.parse({});
  assert.equal(recipe.lr, 3e-3);
  assert.equal(recipe.evalTokens, 32768);
});

test('sweepRunToTrainConfig hands every recipe value of the preset to the trainer', () => {
  const set: RunRecipe = { seqLen: 32, batchSize: 4, lr: 5e-4, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.05, gradClip: 0.5, warmupFraction: 0.03, finalLrFraction: 0.2, evalTokens: 256, seed: 3, backend: 'wasm', lossEmaDecay: 0.9 };
  assert.deepEqual(Object.keys(set).sort(), recipeKeys);
  const defaults = RunRecipeSchema.parse({});
  for (const k of recipeKeys) assert.notDeepEqual(set[k as keyof RunRecipe], defaults[k as keyof RunRecipe], `${k} must differ from its default so a dropped key shows`);
  const train = trainSchema.parse(set);
  const shape = { dModel: 16, layers: 2, heads: 2 };
  const [run] = expandSweeps({ fineGrained: { expansionRate: 4, moe: [{ shapes: [shape], tokens: [4096], granularities: [2] }], dense: [] }, experts: null });
  assert.deepEqual(recipeOf(parseTrainConfig(sweepRunToTrainConfig(run!, train, 'corpus'))), set);
});
