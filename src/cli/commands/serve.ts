// `switchboard serve`: runs the server on a configuration file or the embedded demo PBX until SIGINT or SIGTERM.

import { rmSync, writeFileSync } from 'node:fs';
import { startServer, type RunningServer } from '../../server.js';
import { resolveServeSettings } from '../settings.js';

export async function serve(argv: string[]): Promise<void> {
  const settings = resolveServeSettings(argv, process.env);
  // Handlers go in before anything is printed: a signal sent as soon as the banner appears must find them,
  // or the default action would kill the process without a clean stop.
  const running: { server?: RunningServer } = {};
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    if (settings.readyFile !== undefined) rmSync(settings.readyFile, { force: true });
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

  const server = await startServer({ config: settings.config, host: settings.host, port: settings.port, adminKey: settings.adminKey, fakeClock: settings.fakeClock, log: { level: settings.config.server.logLevel } });
  running.server = server;
  if (stopping) {
    await server.close(); // a signal arrived while starting
    return;
  }
  const lines = [
    `Switchboard: 3CX Call Control API on ${settings.source}`,
    `  URL:          ${server.url}${settings.host !== '127.0.0.1' ? `  (listening on ${settings.host}:${server.port})` : ''}`,
  ];
  if (server.secureUrl) lines.push(`  HTTPS:        ${server.secureUrl}  (same port; wss:// works too)`);
  if (server.caFile) lines.push(`  Trust:        NODE_EXTRA_CA_CERTS=${server.caFile}`);
  for (const application of settings.config.applications) {
    const secret = settings.demoSecret !== null ? `  client_secret: ${settings.demoSecret}` : '';
    lines.push(`  Application:  client_id: ${application.clientId}${secret}  (monitors ${application.monitor.join(', ') || 'nothing else'})`);
  }
  if (settings.config.server.sim.enabled) lines.push(`  Admin key:    ${server.adminKey}  (for /sim)`);
  if (settings.config.server.sim.enabled) lines.push(`  Console:      ${server.url}/console/#key=${encodeURIComponent(server.adminKey)}`);
  if (settings.fakeClock) lines.push('  Clock:        fake (moves only on POST /sim/clock/advance)');
  lines.push('Press Ctrl+C to stop.');
  console.log(lines.join('\n'));
  // After the banner: whoever waits for the file finds the banner printed and the server listening.
  if (settings.readyFile !== undefined) writeFileSync(settings.readyFile, `${server.url}\n`);
}
