// The sessions the docs show, read from the markdown and run whole as bash scripts against a server on a free
// loopback port: the README's CLI session and docs/api.md's curl session, each compared with the output documented.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { closedPort } from '../client/harness.js';
import { CLEAN_ENV, spawnCounted, STUCK_MS } from '../helpers/cli.js';
import { ROOT } from '../helpers/root.js';

/** The port the docs show; each run replaces it by a free one. */
const DOC_PORT = '127.0.0.1:5001';

interface Session {
  script: string;
  /** The output blocks (json, text or plain) of the session's section, in order. */
  outputs: string[];
}

/** The section that starts at `<!-- session: NAME -->` (up to the next `## ` heading): its shell blocks and output blocks. */
function readSession(doc: string, name: string): Session {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const marker = `<!-- session: ${name} -->`;
  const start = text.indexOf(marker);
  assert.ok(start >= 0, `${doc} has the marker ${marker}`);
  const end = text.indexOf('\n## ', start);
  const section = text.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1]!, body: match[2]! }));
  const script = blocks.filter((block) => block.lang === 'sh' || block.lang === 'bash').map((block) => block.body).join('');
  const outputs = blocks.filter((block) => ['json', 'text', ''].includes(block.lang)).map((block) => block.body);
  assert.ok(script.length > 0 && outputs.length > 0, `${doc}: the ${name} session has commands and output`);
  return { script, outputs };
}

/**
 * Runs a script as pasted into bash, in a fresh folder where `dist` is the built package, with the server told to
 * listen on loopback at `port`. The whole process group is killed if the script hangs, and when the test ends.
 */
async function runSession(t: TestContext, script: string, port: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-doc-session-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'));
  // curl prints a body without a final newline: a newline after each keeps one answer per line, as a terminal shows it.
  writeFileSync(join(dir, '.curlrc'), 'write-out = "\\n"\n');
  writeFileSync(join(dir, 'session.sh'), script.replaceAll(DOC_PORT, `127.0.0.1:${port}`));
  const env = { ...process.env, ...CLEAN_ENV, CURL_HOME: dir, SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_PORT: String(port), SWITCHBOARD_URL: `http://127.0.0.1:${port}` };
  const child = await spawnCounted('bash', ['session.sh'], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  t.after(killGroup);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  let hung = false;
  const stuck = setTimeout(() => ((hung = true), killGroup()), STUCK_MS);
  // 'close' comes once every process holding the output has ended: a server the session failed to stop holds it.
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  clearTimeout(stuck);
  assert.ok(!hung, `the session or a process it started was still running after ${STUCK_MS} ms:\n${out.stdout}\n${out.stderr}`);
  return { code, ...out };
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

test("the README's CLI session, pasted whole, prints what the README shows (the event tail's lines in any order among the others)", async (t) => {
  const { script, outputs } = readSession('README.md', 'README CLI');
  const port = await closedPort();
  const { code, stdout, stderr } = await runSession(t, script, port);
  assert.equal(code, 0, stderr);
  const documented = outputs.flatMap((block) => lines(block.replaceAll(DOC_PORT, `127.0.0.1:${port}`)));
  assert.deepEqual([...lines(stdout), ...lines(stderr)].sort(), [...documented].sort(), `stdout:\n${stdout}\nstderr:\n${stderr}`);
});

/** A documented output as a pattern: `...` stands for anything, and line breaks and indentation are free. */
function outputPattern(blocks: string[]): RegExp {
  const escaped = blocks.map((block) =>
    block
      .trim()
      .split('...')
      .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s*'))
      .join('[\\s\\S]*?'),
  );
  return new RegExp(escaped.join('[\\s\\S]*?'));
}

test("docs/api.md's curl session, pasted whole, answers what the page shows, in order", async (t) => {
  const { script, outputs } = readSession('docs/api.md', 'docs/api.md curl');
  const { code, stdout, stderr } = await runSession(t, script, await closedPort());
  assert.equal(code, 0, stderr);
  assert.match(stdout, outputPattern(outputs));
});
