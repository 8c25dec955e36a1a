// Secrets given in the environment follow the configuration file's rules, and a refusal names the variable.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveServeSettings } from '../../src/cli/settings.js';
import { ConfigError } from '../../src/config/load.js';
import { CONFIG_LIMITS } from '../../src/limits.js';

function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    resolveServeSettings([], env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('the settings were accepted');
}

test('SWITCHBOARD_ADMIN_KEY must be 16 to 200 characters, like server.sim.adminKey; the error names the variable, not the value', () => {
  const short = refusal({ SWITCHBOARD_ADMIN_KEY: 'abcde' });
  assert.equal(short.message, `SWITCHBOARD_ADMIN_KEY: must be ${CONFIG_LIMITS.minAdminKeyChars} to ${CONFIG_LIMITS.maxTextChars} characters long, got 5`);
  assert.ok(!short.message.includes('abcde'));
  assert.match(refusal({ SWITCHBOARD_ADMIN_KEY: 'k'.repeat(CONFIG_LIMITS.maxTextChars + 1) }).message, /^SWITCHBOARD_ADMIN_KEY: must be/);
  assert.equal(resolveServeSettings([], { SWITCHBOARD_ADMIN_KEY: 'k'.repeat(CONFIG_LIMITS.minAdminKeyChars) }).adminKey, 'k'.repeat(CONFIG_LIMITS.minAdminKeyChars));
});

test('the same 15-character admin key is refused in the configuration file as in the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-env-'));
  const file = join(dir, 'pbx.yaml');
  writeFileSync(file, `server:\n  sim:\n    adminKey: ${'k'.repeat(15)}\n`);
  assert.throws(() => resolveServeSettings(['--config', file], {}), /server\.sim\.adminKey/);
  assert.match(refusal({ SWITCHBOARD_ADMIN_KEY: 'k'.repeat(15) }).message, /^SWITCHBOARD_ADMIN_KEY: /);
});

test('a too-short SWITCHBOARD_DEMO_SECRET is refused naming the variable', () => {
  const error = refusal({ SWITCHBOARD_DEMO_SECRET: 'short' });
  assert.equal(error.message, `SWITCHBOARD_DEMO_SECRET: must be ${CONFIG_LIMITS.minSecretChars} to ${CONFIG_LIMITS.maxTextChars} characters long, got 5`);
});
