/**
 * Fault matrix, input group (cases 23–29, 39, 40): malformed presets, train configs, corpus manifests and corpus
 * sources, through the real CLI with the project's real presets schema, train stage and corpus stage. Every case
 * checks the error class, that it names the file and the key (or byte offset), the exit code, and that nothing
 * was created. (Cases 30–38, the fit/optimal/inference CLI inputs, are in input-cli.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tinyCorpus, tinyTrainConfig } from '../train/fixtures';
import { escapeRe, listFiles, miniPreset, sandbox, type Sandbox } from './helpers';

/** The project's presets with only the real corpus stage (test/cli/fixtures/corpus-dag.ts). */
const CORPUS_DAG = path.join(__dirname, '..', 'cli', 'fixtures', 'corpus-dag.ts');

function nothingCreated(sb: Sandbox): void {
  assert.ok(!fs.existsSync(sb.results), `${sb.results} was not created`);
  assert.ok(!fs.existsSync(sb.data), `${sb.data} was not created`);
}

describe('malformed presets', () => {
  const shape = { dModel: 16, layers: 1, heads: 2 };
  const fg = (over: Record<string, unknown>) => ({
    sweeps: { fineGrained: { expansionRate: 4, moe: [{ shapes: [shape], tokens: [8192], granularities: [1, 2] }], dense: [{ shapes: [shape], tokens: [8192] }], ...over }, experts: null },
  });

  it('23: unknown keys, wrong types and impossible values are PresetErrors naming the file and the dotted key, exit 2, nothing created', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ fit: { bootstrap: 20, bootsrap: 1 } }, /unknown key 'fit\.bootsrap' \(remove it or fix the spelling; known keys here: protocol, bootstrap/],
      [{ fit: { bootstrap: 'abc' } }, /fit\.bootstrap: .*\(got "abc"\)/],
      [fg({ dense: [{ shapes: [shape], tokens: [-5] }] }), /sweeps\.fineGrained\.dense\[0\]\.tokens\[0\]: .*\(got -5\)/],
      [{ train: { seqLen: 0 } }, /train\.seqLen: .*\(got 0\)/],
      [fg({ moe: [{ shapes: [shape], tokens: [8192], granularities: [3] }] }), /sweeps\.fineGrained\.moe\[0\]\.granularities\[0\]: granularity must be a power of two/],
      [{ executor: 'ssh' }, /executor: .*\(got "ssh"\)/],
    ];
    for (const [over, why] of cases) {
      const sb = sandbox();
      const preset = miniPreset(sb.root, over);
      const r = sb.run(['repro', '--preset', preset, '--results', sb.results, '--data', sb.data]);
      assert.equal(r.status, 2, `${JSON.stringify(over)}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`PresetError: invalid preset ${escapeRe(preset)}: .*${why.source}`), JSON.stringify(over));
      nothingCreated(sb);
    }
  });

  it('24: G not dividing d_ff, tokens below one step, every > layers and a huge seqLen name the preset file, key and run, exit 2', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        fg({ moe: [{ shapes: [{ ...shape, dFF: 48 }], tokens: [8192], granularities: [32] }] }),
        /train@fg-moe-e4-g32-d16x1-t8p19k: ConfigError: sweeps\.fineGrained\.moe\[0\]\.granularities: granularity 32 does not divide dFF 48.*\(run fg-moe-e4-g32-d16x1-t8p19k, trainer field model\.moe\.granularity\)/,
      ],
      [fg({ dense: [{ shapes: [shape], tokens: [100] }] }), /train@fg-dense-d16x1-t100: ConfigError: sweeps\.fineGrained\.dense\[0\]\.tokens: budget 100 is less than one step/],
      [
        { sweeps: { fineGrained: null, experts: { shapes: [shape], experts: [1, 4], tokens: [8192], topK: 2, moeEvery: 2 } } },
        /train@ex-e4-d16x1-t8p19k: ConfigError: sweeps\.experts\.moeEvery: every = 2 exceeds layers = 1/,
      ],
      [{ train: { seqLen: 1_000_000_000 } }, /train\.seqLen: at most 65536 tokens per sequence/],
    ];
    for (const [over, why] of cases) {
      const sb = sandbox();
      const preset = miniPreset(sb.root, over);
      const r = sb.run(['repro', '--preset', preset, '--results', sb.results, '--data', sb.data]);
      assert.equal(r.status, 2, `${JSON.stringify(over)}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`PresetError: invalid preset ${escapeRe(preset)}: .*${why.source}`));
      nothingCreated(sb);
    }
  });

  it('25: a .ts preset that throws is a PresetError with the file, the message and where it threw, exit 2', () => {
    const sb = sandbox();
    const file = path.join(sb.root, 'broken-preset.ts');
    fs.writeFileSync(file, "function grid(): number[] {\n  throw new RangeError('no grid for this budget');\n}\nexport default { name: 'broken', grid: grid() };\n");
    const r = sb.run(['repro', '--preset', file, '--results', sb.results, '--data', sb.data]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`PresetError: preset ${escapeRe(file)} threw while loading: RangeError: no grid for this budget \\(at .*broken-preset\\.ts:2`));
    nothingCreated(sb);
  });

  it('26: a preset run with more tokens than the corpus train split is refused naming the run and the allowRepeatedData switch', () => {
    const sb = sandbox();
    const preset = miniPreset(sb.root, fg({ dense: [{ shapes: [shape], tokens: [2_000_000] }] }));
    const r = sb.run(['repro', 'train@fg-dense-d16x1-t2M', '--preset', preset, '--results', sb.results, '--data', sb.data]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAILED train@fg-dense-d16x1-t2M: ConfigError: sweeps \(run fg-dense-d16x1-t2M\)\.tokens: 2000000 tokens exceed the \d+ tokens of the train split of corpus 'mini'.*train\.allowRepeatedData: true/);
    assert.ok(!fs.existsSync(path.join(sb.results, 'runs')), 'no run was written');
  });
});

describe('malformed train configs and corpora for moelab train', () => {
  const corpus = tinyCorpus();
  const write = (sb: Sandbox, text: string) => {
    const file = path.join(sb.root, `cfg-${crypto.randomBytes(3).toString('hex')}.json`);
    fs.writeFileSync(file, text);
    return file;
  };

  it('27: unknown keys, wrong types, impossible values, invalid JSON and a missing file are ConfigErrors naming the field, exit 2', () => {
    const sb = sandbox();
    const good = tinyTrainConfig({ tokens: 128 });
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ ...good, lr: 1 }), /ConfigError: \(root\): unknown key\(s\) "lr"/],
      [JSON.stringify({ ...good, tokens: 'many' }), /ConfigError: tokens: .*fix this value/],
      [JSON.stringify({ ...good, tokens: -64 }), /ConfigError: tokens: /],
      [JSON.stringify({ ...good, data: { ...good.data, batchSize: 0 } }), /ConfigError: data\.batchSize: /],
      [JSON.stringify({ ...good, model: { ...good.model, heads: 3 } }), /ConfigError: model\.heads: 3 heads do not divide dModel 16/],
      [JSON.stringify({ ...good, data: { ...good.data, seqLen: 1e9 } }), /ConfigError: data\.seqLen: at most 65536 tokens per sequence/],
      ['{"model": ', /ConfigError: --config: .* is not valid JSON/],
    ];
    for (const [text, why] of cases) {
      const out = path.join(sb.root, 'out');
      const r = sb.run(['train', '--config', write(sb, text), '--out', out]);
      assert.equal(r.status, 2, `${text}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.ok(!fs.existsSync(out), 'nothing was created');
    }
    const missing = sb.run(['train', '--config', path.join(sb.root, 'nope.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /ConfigError: --config: file .*nope\.json does not exist/);
  });

  it('28: a corrupt corpus manifest is a CorpusError naming the file and the fix, exit 2', () => {
    const sb = sandbox();
    const dir = path.join(sb.root, 'corpus');
    fs.cpSync(corpus, dir, { recursive: true });
    for (const text of ['{"format": "moelab-corpus/1", "spl', '[]', '']) {
      fs.writeFileSync(path.join(dir, 'manifest.json'), text);
      const r = sb.run(['train', '--config', write(sb, JSON.stringify(tinyTrainConfig({ tokens: 128, data: { corpusDir: dir, seqLen: 16, batchSize: 4 } }))), '--out', path.join(sb.root, 'out')]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`CorpusError: ${escapeRe(path.join(dir, 'manifest.json'))} is not (valid JSON|a moelab corpus manifest).*rebuild`));
      assert.doesNotMatch(r.stderr, /SyntaxError: /);
    }
  });

  it('29: moelab train beyond the corpus is refused as the pipeline refuses it (--allow-repeated-data allows it)', () => {
    const sb = sandbox();
    const cfg = write(sb, JSON.stringify(tinyTrainConfig({ tokens: 64 * 2000, evalEveryTokens: 64 * 1000 })));
    const out = path.join(sb.root, 'out');
    const r = sb.run(['train', '--config', cfg, '--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /ConfigError: tokens: 128000 training tokens exceed the \d+ tokens of the train split of .*; lower tokens, use a larger corpus, or allow it explicitly \(--allow-repeated-data/);
    assert.ok(!fs.existsSync(out));
    const small = write(sb, JSON.stringify(tinyTrainConfig({ tokens: 64 * 4, evalEveryTokens: 64 * 2 })));
    const manifest = JSON.parse(fs.readFileSync(path.join(corpus, 'manifest.json'), 'utf8')) as { splits: { train: { tokens: number } } };
    assert.ok(manifest.splits.train.tokens > 256);
    assert.equal(sb.run(['train', '--config', small, '--out', out, '--allow-repeated-data']).status, 0);
  });
});

describe('malformed corpus sources', () => {
  function corpusRun(sb: Sandbox, source: Record<string, unknown>) {
    const preset = path.join(sb.root, `preset-${crypto.randomBytes(3).toString('hex')}.json`);
    fs.writeFileSync(preset, JSON.stringify({ name: 'input-test', corpus: { name: 'c', valFraction: 0.3, splitSeed: 0, sources: [source] } }));
    return sb.run(['repro', 'corpus', '--dag', CORPUS_DAG, '--preset', preset, '--results', sb.results, '--data', sb.data]);
  }
  const docs = (sb: Sandbox) => {
    const dir = path.join(sb.root, 'docs');
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, `d${i}.txt`), `document ${i} `.repeat(40));
    return dir;
  };

  it('39: a missing path, an empty glob and a directory are refused before anything runs (exit 2); an empty corpus and binary jsonl fail the stage by name', () => {
    const sb = sandbox();
    const dir = docs(sb);
    const planTime: Array<[Record<string, unknown>, RegExp]> = [
      [{ kind: 'txt', path: path.join(sb.root, 'missing.txt') }, /CorpusError: corpus\.sources\[0\]\.path: corpus file .*missing\.txt does not exist/],
      [{ kind: 'txt', path: path.join(sb.root, 'none', '*.txt') }, /CorpusError: corpus\.sources\[0\]\.path = '.*none\/\*\.txt' matches no file/],
      [{ kind: 'txt', path: dir }, /CorpusError: corpus\.sources\[0\]\.path: .*docs is a directory; name its files with a glob such as '.*docs\/\*\.txt'/],
    ];
    for (const [source, why] of planTime) {
      const r = corpusRun(sb, source);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, why);
      nothingCreated(sb);
    }
    fs.writeFileSync(path.join(sb.root, 'empty.txt'), '');
    const empty = corpusRun(sb, { kind: 'txt', path: path.join(sb.root, 'empty.txt') });
    assert.equal(empty.status, 1);
    assert.match(empty.stdout, /FAILED corpus: CorpusError: corpus 'c' has 0 non-empty document\(s\)/);
    fs.writeFileSync(path.join(sb.root, 'bin.jsonl'), crypto.randomBytes(2000));
    const bin = corpusRun(sb, { kind: 'jsonl', path: path.join(sb.root, 'bin.jsonl') });
    assert.equal(bin.status, 1);
    assert.match(bin.stdout, /FAILED corpus: CorpusError: corpus\.sources\[0\]: .*bin\.jsonl (looks binary|is not valid UTF-8)/);
    assert.deepEqual(listFiles(sb.data).filter((f) => !f.startsWith('.moelab')), [], 'no corpus was committed');
  });

  it('40: random bytes, an ELF binary and Latin-1 text are refused naming the file and byte offset; encoding/allowInvalid accept them explicitly', () => {
    const sb = sandbox();
    const dir = docs(sb);
    const bad: Array<[string, Buffer, RegExp]> = [
      ['random.txt', crypto.randomBytes(4096), /random\.txt (looks binary \(a NUL byte at offset \d+, line \d+\)|is not valid UTF-8 \(byte 0x[0-9a-f]{2} at offset \d+)/],
      ['elf.txt', fs.readFileSync(process.execPath).subarray(0, 65536), /elf\.txt looks binary \(a NUL byte at offset \d+, line 1\)/],
      ['latin1.txt', Buffer.from('Caf\xe9 cr\xe8me, na\xefve r\xe9sum\xe9\n'.repeat(20), 'latin1'), /latin1\.txt is not valid UTF-8 \(byte 0xe9 at offset 3, line 1\); convert it \(iconv -f latin1 -t utf-8\), or set corpus\.sources\[0\]\.encoding: 'latin1'/],
    ];
    for (const [name, bytes, why] of bad) {
      fs.writeFileSync(path.join(dir, name), bytes);
      const r = corpusRun(sb, { kind: 'txt', path: path.join(dir, '*.txt') });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, new RegExp(`FAILED corpus: CorpusError: corpus\\.sources\\[0\\]: .*${why.source}`));
      assert.ok(!fs.existsSync(path.join(sb.data, 'c')), 'nothing was committed');
      fs.rmSync(path.join(dir, name));
    }
    // Latin-1 read as Latin-1 builds, and decodes to the right characters
    fs.writeFileSync(path.join(dir, 'latin1.txt'), Buffer.from('Caf\xe9 cr\xe8me\n'.repeat(20), 'latin1'));
    const ok = corpusRun(sb, { kind: 'txt', path: path.join(dir, '*.txt'), encoding: 'latin1' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const all = Buffer.concat(['train.bin', 'val.bin'].map((f) => fs.readFileSync(path.join(sb.data, 'c', f)))).toString('utf8');
    assert.ok(all.includes('Café crème'));
    // allowInvalid: invalid bytes become U+FFFD, explicitly
    fs.writeFileSync(path.join(dir, 'random.txt'), Buffer.from([0x61, 0xff, 0x62, 0x00, 0x63]));
    fs.rmSync(path.join(dir, 'latin1.txt'));
    const lenient = corpusRun(sb, { kind: 'txt', path: path.join(dir, '*.txt'), allowInvalid: true });
    assert.equal(lenient.status, 0, lenient.stdout + lenient.stderr);
  });
});
