#!/usr/bin/env node
// The `switchboard` command: `serve` runs the server on a configuration file or the embedded demo PBX.

import { ConfigError } from '../config/load.js';
import { startServer, type RunningServer } from '../server.js';
import { resolveServeSettings, USAGE, UsageError } from './settings.js';


async function serve(argv: string[]): Promise<void> {
  const settings = resolveServeSettings(argv, process.env);
  // Handlers go in before anything is printed: a signal sent as soon as the banner appears must find them,
  // or the default action would kill the process without a clean stop.
  const running: { server?: RunningServer } = {};
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    (running.server ? running.server.close() : Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('switchboard: error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const server = await startServer({ config: settings.config, host: settings.host, port: settings.port, adminKey: settings.adminKey, fakeClock: settings.fakeClock });
  running.server = server;
  if (stopping) {
    await server.close(); // a signal arrived while starting
    return;
  }
  const lines = [
    `Switchboard: 3CX Call Control API on ${settings.source}`,
    `  URL:          ${server.url}${settings.host !== '127.0.0.1' ? `  (listening on ${settings.host}:${server.port})` : ''}`,
  ];
  for (const application of settings.config.applications) {
    const secret = settings.demoSecret !== null ? `  client_secret: ${settings.demoSecret}` : '';
    lines.push(`  Application:  client_id: ${application.clientId}${secret}  (monitors ${application.monitor.join(', ') || 'nothing else'})`);
  }
  if (settings.config.server.sim.enabled) lines.push(`  Admin key:    ${server.adminKey}  (for /sim)`);
  if (settings.fakeClock) lines.push('  Clock:        fake (moves only on POST /sim/clock/advance)');
  lines.push('Press Ctrl+C to stop.');
  console.log(lines.join('\n'));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`switchboard: unknown command '${command}'\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`switchboard: the configuration has ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}:\n${error.message}`);
      return 2;
    }
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`switchboard: ${error.message}\n${USAGE}`);
      return 2;
    }
    const code = typeof error === 'object' && error && 'code' in error ? String(error.code) : '';
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      console.error(`switchboard: cannot listen: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    console.error('switchboard: unexpected error:', error);
    process.exit(1);
  },
);
