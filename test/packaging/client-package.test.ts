// The packed tarball: license, valid source maps, and a `switchboard/client` entry that works without the server's dependencies.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import ts from 'typescript';

const run = promisify(execFile);
const ROOT = resolve('.');
/** A bound for each child process on a loaded 2-core machine (the build alone takes 30-150 s there). */
const STEP_BOUND_MS = 400_000;
/** What the client may import besides its own files: Node's builtins, and ws (the event socket; no dependencies of its own). */
const CLIENT_PACKAGES = new Set(['ws']);
const SERVER_PACKAGES = ['fastify', 'pino', 'prom-client', '@fastify/swagger', 'jose', 'yaml', 'wavefile', 'selfsigned'];

/** Module specifiers of a JS or .d.ts file: static imports and re-exports, dynamic import(), import("...") types. */
function specifiers(text: string): string[] {
  const found = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g), ...text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return found.map((match) => match[1]!);
}

const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

/** Every file the entry reaches through relative imports, and every bare specifier it imports on the way. */
function importGraph(packageDir: string, entry: string): { files: Set<string>; external: Set<string> } {
  const seen = new Set<string>();
  const external = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of specifiers(readFileSync(join(packageDir, file), 'utf8'))) {
      if (!specifier.startsWith('.')) {
        external.add(specifier);
        continue;
      }
      let target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (file.endsWith('.d.ts')) target = target.replace(/\.js$/, '.d.ts');
      pending.push(target);
    }
  }
  return { files: seen, external };
}

/** Paths under `dir` (relative to ROOT) of its files, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * What tsc -p tsconfig.build.json would write for src/ (each .ts file's .js, .js.map and .d.ts), taken from
 * dist/src when every one of them is there and newer than its source and the build settings; undefined otherwise.
 */
function freshBuild(): string[] | undefined {
  const settings = Math.max(...['tsconfig.json', 'tsconfig.build.json'].map((name) => statSync(join(ROOT, name)).mtimeMs));
  const outputs: string[] = [];
  for (const source of filesUnder('src').filter((file) => file.endsWith('.ts'))) {
    const base = `dist/${source.replace(/\.ts$/, '')}`;
    const since = Math.max(settings, statSync(join(ROOT, source)).mtimeMs);
    for (const output of [`${base}.js`, `${base}.js.map`, `${base}.d.ts`]) {
      const full = join(ROOT, output);
      if (!existsSync(full) || statSync(full).mtimeMs < since) return undefined;
      outputs.push(output);
    }
  }
  return outputs;
}

interface Packed {
  dir: string;
  /** The package as an application installs it: node_modules/switchboard in a fresh project. */
  app: string;
  installed: string;
  tarballFiles: string[];
}

/** Builds the sources in a copy of the project, packs it with npm, and unpacks the tarball into a clean project. */
async function packAndInstall(): Promise<Packed> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pack-'));
  const project = join(dir, 'project');
  mkdirSync(project);
  for (const name of ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE', 'README.md']) cpSync(join(ROOT, name), join(project, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  // The project's dist/src when it is up to date with every source (scripts/run-tests.mjs has just compiled it), else a
  // build of its own: the check never reads a stale dist/ and never rewrites the one other tests run.
  const built = freshBuild();
  if (built) {
    for (const file of built) {
      mkdirSync(join(project, posix.dirname(file)), { recursive: true });
      cpSync(join(ROOT, file), join(project, file));
    }
  }
  else await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: project, timeout: STEP_BOUND_MS });
  const out = join(dir, 'out');
  mkdirSync(out);
  // npm pack reads only the folder: no registry is asked.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', out, '--json'], { cwd: project, timeout: STEP_BOUND_MS });
  const [report] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const app = join(dir, 'app');
  const installed = join(app, 'node_modules', 'switchboard');
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-application', type: 'module', private: true }));
  // What `npm install <tarball>` puts in node_modules, without fetching the dependencies (the test runs offline).
  await run('tar', ['-xzf', join(out, report!.filename), '-C', installed, '--strip-components=1'], { timeout: STEP_BOUND_MS });
  return { dir, app, installed, tarballFiles: report!.files.map((file) => file.path) };
}

let packed: Promise<Packed> | undefined;
const pack = () => (packed ??= packAndInstall());

test.after(async () => {
  if (packed) rmSync((await packed).dir, { recursive: true, force: true });
});

test('the tarball ships the license, and every source map points at sources it ships', { timeout: 3 * STEP_BOUND_MS }, async () => {
  const { installed, tarballFiles } = await pack();
  assert.ok(tarballFiles.includes('LICENSE'));
  assert.match(readFileSync(join(installed, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} Switchboard contributors\n/);
  assert.equal((JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { license: string }).license, 'MIT');
  const maps = tarballFiles.filter((file) => file.endsWith('.map'));
  assert.ok(maps.length > 50, `${maps.length} source maps`);
  const missing = maps.flatMap((map) => {
    const { sources } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[] };
    return sources.map((source) => posix.normalize(posix.join(posix.dirname(map), source))).filter((source) => !tarballFiles.includes(source));
  });
  assert.deepEqual(missing, [], 'sources named by the maps are in the tarball');
});

test('switchboard/client: its code and its types import no server module', { timeout: 3 * STEP_BOUND_MS }, async () => {
  const { installed } = await pack();
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
  const entry = manifest.exports['./client']!;
  const code = importGraph(installed, posix.normalize(entry.default));
  const types = importGraph(installed, posix.normalize(entry.types));
  for (const file of [...code.files, ...types.files]) assert.match(file, /^dist\/src\/client\//, `${file} is a client file`);
  assert.deepEqual([...code.external].filter((specifier) => !isBuiltin(specifier) && !CLIENT_PACKAGES.has(specifier)), [], 'the client code imports builtins and ws only');
  assert.deepEqual([...types.external].filter((specifier) => !isBuiltin(specifier)), [], 'the client types import builtins only');
  assert.ok(code.files.size >= 5, `the graph was followed: ${[...code.files].join(', ')}`);
  // The main entry is the server: the same walk over it does reach fastify (the check can see a server import).
  assert.ok(importGraph(installed, 'dist/src/index.js').external.has('fastify'));
});

test('an application without fastify or pino imports switchboard/client and compiles against its types', { timeout: 3 * STEP_BOUND_MS }, async () => {
  const { app } = await pack();
  const modules = join(app, 'node_modules');
  // ws is the client's one runtime dependency, and depends on nothing itself.
  const wsManifest = JSON.parse(readFileSync(join(ROOT, 'node_modules/ws/package.json'), 'utf8')) as { dependencies?: object };
  assert.equal(Object.keys(wsManifest.dependencies ?? {}).length, 0);
  cpSync(join(ROOT, 'node_modules/ws'), join(modules, 'ws'), { recursive: true });
  for (const name of SERVER_PACKAGES) assert.ok(!existsSync(join(modules, name)), `${name} is not installed`);

  const script = [
    `import { CallControlClient, SimClient, EventStream, CallControlError, parseEntity } from 'switchboard/client';`,
    `const client = new CallControlClient({ baseUrl: 'http://127.0.0.1:1', clientId: '800', clientSecret: 'x' });`,
    `console.log(JSON.stringify([typeof client.listDns, typeof SimClient, typeof EventStream, typeof CallControlError, parseEntity('/callcontrol/800/participants/7')]));`,
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, timeout: STEP_BOUND_MS });
  const [listDns, sim, events, error, entity] = JSON.parse(stdout) as [string, string, string, string, unknown];
  assert.deepEqual([listDns, sim, events, error], ['function', 'function', 'function', 'function']);
  assert.ok(entity && typeof entity === 'object');
  // The server entry, in the same project, does need the server's dependencies: the project really lacks them.
  await assert.rejects(run(process.execPath, ['--input-type=module', '-e', `await import('switchboard')`], { cwd: app, timeout: STEP_BOUND_MS }), /ERR_MODULE_NOT_FOUND|Cannot find package/);

  // Types: strict, and the package's own declarations checked too (no skipLibCheck), with Node's types only.
  mkdirSync(join(modules, '@types'));
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(modules, '@types', 'node'), 'dir');
  const main = join(app, 'main.ts');
  writeFileSync(
    main,
    [
      `import { CallControlClient, type Participant, type DnInfo, type CallControlResult } from 'switchboard/client';`,
      `const client = new CallControlClient({ baseUrl: 'http://127.0.0.1:1', clientId: '800', clientSecret: 'x' });`,
      `export async function first(): Promise<string | undefined> {`,
      `  const dns: DnInfo[] = await client.listDns();`,
      `  const participant: Participant | undefined = dns[0]?.participants[0];`,
      `  const result: CallControlResult | undefined = undefined;`,
      `  return participant?.status ?? result;`,
      `}`,
      '',
    ].join('\n'),
  );
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: false, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], typeRoots: [join(modules, '@types')] };
  const program = ts.createProgram([main], options);
  const errors = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  assert.deepEqual(errors, []);
  const loaded = program.getSourceFiles().map((file) => file.fileName);
  assert.ok(loaded.some((file) => file.includes('node_modules/switchboard/dist/src/client/')), 'the types came from the package');
  for (const name of ['fastify', 'pino']) assert.ok(!loaded.some((file) => file.includes(`/node_modules/${name}/`)), `${name} types are not needed`);
});
