// `switchboard serve`: runs the server on a configuration file or the embedded demo PBX until SIGINT or SIGTERM.

import { startServer, type RunningServer, type RunningSip } from '../../server.js';
import { resolveServeSettings, type ServeSettings } from '../settings.js';
import { removeReadyFile, writeReadyFile } from '../ready-file.js';

/**
 * The start banner. It goes to standard error, the terminal's stream, never to standard output where the JSON logs
 * go (log collectors keep those). Secrets are printed only when they were made up at this start: a secret given in
 * the environment or the configuration is named by where it came from, never echoed.
 */
export function banner(settings: ServeSettings, server: Pick<RunningServer, 'url' | 'secureUrl' | 'caFile' | 'port' | 'adminKey'> & { sip?: RunningSip | null }): string {
  const lines = [
    `Switchboard: 3CX Call Control API on ${settings.source}`,
    `  URL:          ${server.url}${settings.host !== '127.0.0.1' ? `  (listening on ${settings.host}:${server.port})` : ''}`,
  ];
  if (server.sip) lines.push(...sipLines(server.sip, settings));
  if (server.secureUrl) lines.push(`  HTTPS:        ${server.secureUrl}  (same port; wss:// works too)`);
  if (server.caFile) lines.push(`  Trust:        NODE_EXTRA_CA_CERTS=${server.caFile}`);
  for (const application of settings.config.applications) {
    let secret = '';
    if (settings.demoSecret !== null) secret = settings.demoSecretGenerated ? `  client_secret: ${settings.demoSecret}` : '  client_secret: from SWITCHBOARD_DEMO_SECRET';
    lines.push(`  Application:  client_id: ${application.clientId}${secret}  (monitors ${application.monitor.join(', ') || 'nothing else'})`);
  }
  if (settings.config.server.sim.enabled) {
    const generated = settings.adminKeySource === 'generated';
    lines.push(`  Admin key:    ${generated ? server.adminKey : `from ${settings.adminKeySource === 'configuration' ? 'server.sim.adminKey' : 'SWITCHBOARD_ADMIN_KEY'}`}  (for /sim)`);
    lines.push(`  Console:      ${server.url}/console/${generated ? `#key=${encodeURIComponent(server.adminKey)}` : '  (asks for the admin key)'}`);
  }
  if (settings.fakeClock) lines.push('  Clock:        fake (moves only on POST /sim/clock/advance)');
  lines.push('Press Ctrl+C to stop.');
  return lines.join('\n');
}

export async function serve(argv: string[]): Promise<void> {
  const settings = resolveServeSettings(argv, process.env);
  // Handlers go in before anything is printed: a signal sent as soon as the banner appears must find them,
  // or the default action would kill the process without a clean stop.
  const running: { server?: RunningServer } = {};
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping`);
    if (settings.readyFile !== undefined) removeReadyFile(settings.readyFile);
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

  const server = await startServer({ config: settings.config, host: settings.host, port: settings.port, adminKey: settings.adminKey, fakeClock: settings.fakeClock, sip: {}, log: { level: settings.config.server.logLevel } });
  running.server = server;
  if (stopping) {
    await server.close(); // a signal arrived while starting
    return;
  }
  console.error(banner(settings, server));
  // After the banner: whoever waits for the file finds the banner printed and the server listening.
  if (settings.readyFile !== undefined) writeReadyFile(settings.readyFile, server.url);
}

/** `SIP:  udp+tcp HOST:PORT` (`, tls HOST:PORT` with SIP TLS), and how to register a softphone when the password is the demo's (a configured one is never printed). */
function sipLines(sip: RunningSip, settings: ServeSettings): string[] {
  const host = sip.host === '0.0.0.0' ? '127.0.0.1' : sip.host === '::' ? '[::1]' : sip.host.includes(':') ? `[${sip.host}]` : sip.host;
  const port = sip.udpPort ?? sip.tcpPort;
  const transports = [sip.udpPort !== null ? 'udp' : '', sip.tcpPort !== null ? 'tcp' : ''].filter(Boolean).join('+');
  const tls = sip.tlsPort === null ? '' : `, tls ${host}:${sip.tlsPort}`;
  const lines = [`  SIP:          ${transports} ${host}:${port}${tls}`];
  if (settings.demoSipPassword !== null) {
    const password = settings.demoSipPasswordGenerated ? settings.demoSipPassword : 'from SWITCHBOARD_DEMO_SIP_PASSWORD';
    lines.push(`  Softphone:    register sip:100@${host}:${port} (or 101-103), auth id = the extension, password: ${password}`);
  }
  return lines;
}
