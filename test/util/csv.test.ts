import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { csvCell, CsvSyntaxError, formatCsv, parseCsv, readTextFile } from '../../src/util/csv';

test('parseCsv reads quoted cells (commas, doubled quotes, line breaks) and numbers each record by the line it starts on', () => {
  const text = 'a,b,c\n1,"x, y",3\n"multi\nline","say ""hi""",\r\n\n4,5,6';
  const { header, records } = parseCsv(text);
  assert.deepEqual(header, ['a', 'b', 'c']);
  assert.deepEqual(records, [
    { line: 2, cells: ['1', 'x, y', '3'] },
    { line: 3, cells: ['multi\nline', 'say "hi"', ''] },
    { line: 6, cells: ['4', '5', '6'] },
  ]);
});

test('parseCsv skips a byte-order mark and blank lines, keeps a trailing empty cell, trims header cells only', () => {
  const { header, records } = parseCsv('\ufeff a , b\n\n1,\n 2 ,3\n');
  assert.deepEqual(header, ['a', 'b']);
  assert.deepEqual(records, [
    { line: 3, cells: ['1', ''] },
    { line: 4, cells: [' 2 ', '3'] },
  ]);
});

test('parseCsv names the line of an unterminated quote, a stray quote and text after a closing quote', () => {
  assert.throws(() => parseCsv('a,b\n1,"open\n2,3\n'), (e: unknown) => e instanceof CsvSyntaxError && e.line === 2 && /never closed/.test(e.message));
  assert.throws(() => parseCsv('a,b\n1,x"y\n'), (e: unknown) => e instanceof CsvSyntaxError && e.line === 2 && /quote inside an unquoted cell/.test(e.message));
  assert.throws(() => parseCsv('a,b\n1,"x"y\n'), (e: unknown) => e instanceof CsvSyntaxError && e.line === 2 && /text after a closing quote/.test(e.message));
});

test('formatCsv quotes only cells that need it, writes null as empty, and parseCsv reads it back', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "x"'), '"say ""x"""');
  assert.equal(csvCell(null), '');
  const text = formatCsv(['id', 'note', 'v'], [['r1', 'a,b\nc', 1.5], ['r2', null, 2]]);
  assert.equal(text, 'id,note,v\nr1,"a,b\nc",1.5\nr2,,2\n');
  assert.deepEqual(parseCsv(text).records.map((r) => r.cells), [['r1', 'a,b\nc', '1.5'], ['r2', '', '2']]);
});

test('readTextFile reads gzip-compressed and plain files alike (by content, not name)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-csv-'));
  fs.writeFileSync(path.join(dir, 'a.csv'), 'x\n1\n');
  fs.writeFileSync(path.join(dir, 'b.csv'), zlib.gzipSync('x\n1\n'));
  assert.equal(readTextFile(path.join(dir, 'a.csv')), 'x\n1\n');
  assert.equal(readTextFile(path.join(dir, 'b.csv')), 'x\n1\n');
});
