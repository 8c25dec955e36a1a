// Runs the example of docs/testing-your-app.md exactly as written (only `from 'switchboard'` points at this repository's build), and typechecks it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { ROOT } from '../helpers/root.js';

const DOC = join(ROOT, 'docs/testing-your-app.md');
/** What `switchboard` resolves to in an application (package.json exports): the build scripts/run-tests.mjs has just written. */
const INDEX = join(ROOT, 'dist/src/index.js');
const TYPES = join(ROOT, 'dist/src/index.d.ts');
const TSX = import.meta.resolve('tsx');
const MARKER = '<!-- example: the test suite runs this block exactly (test/client/testing-your-app.test.ts) -->';

/** The ```ts block right after the marker. */
function exampleBlock(): string {
  const doc = readFileSync(DOC, 'utf8');
  const at = doc.indexOf(MARKER);
  assert.ok(at >= 0, 'the marker is in the doc');
  const match = /^\s*```ts\n([\s\S]*?)\n```/.exec(doc.slice(at + MARKER.length));
  assert.ok(match, 'a ```ts block follows the marker');
  return match[1]!;
}

/** The block with its package import pointed at this repository's build (the only change). */
function runnable(block: string): string {
  assert.ok(existsSync(INDEX), `${INDEX} is missing: run the tests with \`npm test\` or \`node scripts/run-tests.mjs\`, which build it`);
  assert.equal(block.match(/from 'switchboard'/g)?.length, 1, 'the example imports the package once');
  return block.replace("from 'switchboard'", `from '${pathToFileURL(INDEX).href}'`);
}

/** Runs a test file with node --test in a temp folder (the example's .switchboard data folder goes there). */
async function runTestFile(source: string): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-doc-example-'));
  try {
    const file = join(dir, 'example.test.mts');
    writeFileSync(file, source);
    // Without NODE_TEST_CONTEXT the child runs as a test run of its own, not as a subtest of this one.
    const { NODE_TEST_CONTEXT: _inherited, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', TSX, '--test', '--test-reporter=spec', file], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // bounded: never outlives the test
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    return { code, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('docs/testing-your-app.md', () => {
  test('the example is the dozen-line story it promises', () => {
    const block = exampleBlock();
    const story = block.slice(block.indexOf('const caller'), block.lastIndexOf('});')).trim().split('\n');
    assert.ok(story.length <= 14, `the scenario takes ${story.length} lines`);
    for (const step of ['an external caller dials the DID', 'the app answers', 'the caller presses 1', 'the app routes to 100', 'Alice answers']) {
      assert.ok(block.includes(`// ${step}`), `step '${step}' is in the example`);
    }
  });

  test('the example passes as written', async () => {
    const { code, output } = await runTestFile(runnable(exampleBlock()));
    assert.equal(code, 0, output);
    assert.match(output, /✔ external caller dials the DID, app answers, caller presses 1, app routes to 100, Alice answers/);
  });

  test('the real-clock variant the doc describes passes too (fakeClock: false, no advanceClock)', async () => {
    const block = runnable(exampleBlock());
    const variant = block.replace('fakeClock: true', 'fakeClock: false').replace(/^.*sim\.advanceClock\(1000\).*\n/m, '');
    assert.notEqual(variant, block);
    assert.ok(!variant.includes('advanceClock'));
    const { code, output } = await runTestFile(variant);
    assert.equal(code, 0, output);
  });

  test('the example typechecks under the project’s strict settings against the package’s exports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-doc-types-'));
    try {
      const file = join(dir, 'example.test.mts');
      writeFileSync(file, exampleBlock());
      const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
      assert.ok(config);
      const { rootDir: _rootDir, outDir: _outDir, ...options } = config.options; // the example lives outside the repository
      const program = ts.createProgram([file], { ...options, noEmit: true, baseUrl: ROOT, paths: { switchboard: [TYPES] } });
      const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file || d.file === undefined);
      assert.deepEqual(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
