// Lint rules for the whole repository; src/core must stay free of transport code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const transportModules = ['node:http', 'node:https', 'node:net', 'node:tls', 'http', 'https', 'net', 'tls', 'ws', 'fastify', '@fastify/*'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/endpoints/**/*.ts', 'src/media/**/*.ts', 'src/guard/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: transportModules.map((group) => ({ group: [group], message: 'The telephony core, endpoints and media stay transport-free (DESIGN.md).' })) }],
    },
  },
  {
    // The SIP stack knows nothing of the PBX: it imports only node: builtins and its own files (no path leaving src/sip).
    files: ['src/sip/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '../../*', '**/src/*'], message: 'src/sip is a layer of its own: no imports from the PBX, its API or its configuration (DESIGN.md).' }] }],
    },
  },
  {
    // Size limits: no file over 600 lines, no function over 80 (a file says one thing, a function does one job).
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 600, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', 80],
    },
  },
);
