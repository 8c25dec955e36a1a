// The server under test: the one named by CONFORMANCE_* environment variables, or a Switchboard started here.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimDriver, type CallDriver } from './driver.js';
import { Api, endpointOf, type Credentials, type Endpoint } from './http.js';
import { loadTopology, type Topology } from './topology.js';

export interface Target {
  /** Every way the cases run: https (wss) first, then http (ws), on the same server. */
  endpoints: Endpoint[];
  credentials: Credentials;
  topology: Topology;
  /** Plays callers and phones; null against a PBX without one (cases needing it are skipped). */
  driver: CallDriver | null;
  /** True when the suite started the server itself (Switchboard on a fake clock). */
  ownServer: boolean;
  /** The CA file clients are told to trust (NODE_EXTRA_CA_CERTS), when known. */
  caFile: string | undefined;
  api(endpoint: Endpoint): Api;
  close(): Promise<void>;
}

const SECRET = 'conformance-secret';
const ADMIN_KEY = 'conformance-admin-key';

/** Reads the environment: CONFORMANCE_BASE_URL (comma-separated for several), _CLIENT_ID, _CLIENT_SECRET, _CA_FILE, _ADMIN_KEY, _TOPOLOGY. */
async function external(base: string): Promise<Target> {
  const env = process.env;
  const clientId = env['CONFORMANCE_CLIENT_ID'];
  const clientSecret = env['CONFORMANCE_CLIENT_SECRET'];
  if (!clientId || !clientSecret) throw new Error('CONFORMANCE_BASE_URL needs CONFORMANCE_CLIENT_ID and CONFORMANCE_CLIENT_SECRET');
  const caFile = env['CONFORMANCE_CA_FILE'] || undefined;
  const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
  const endpoints = base
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => endpointOf(url, ca));
  const adminKey = env['CONFORMANCE_ADMIN_KEY'];
  const credentials = { clientId, clientSecret };
  return {
    endpoints,
    credentials,
    topology: loadTopology(env['CONFORMANCE_TOPOLOGY']),
    driver: adminKey ? new SimDriver(endpoints[0]!, adminKey) : null,
    ownServer: false,
    caFile,
    api: (endpoint) => new Api(endpoint, credentials),
    close: async () => {},
  };
}

/** Switchboard's demo PBX on a fake clock, a random port and a temp data folder; its self-signed CA is trusted. */
async function own(): Promise<Target> {
  // The only use of src/: starting the server. Everything else goes over the network.
  const [{ demoConfig }, { startServer }] = await Promise.all([import('../../../src/config/demo.js'), import('../../../src/server.js')]);
  const config = demoConfig({ demoSecret: SECRET });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));
  config.server.dataDir = dataDir;
  const server = await startServer({ config, host: '127.0.0.1', port: 0, fakeClock: true, adminKey: ADMIN_KEY });
  if (!server.caFile || !server.secureUrl) throw new Error('the demo server serves TLS');
  const ca = readFileSync(server.caFile, 'utf8');
  const endpoints = [endpointOf(server.secureUrl, ca), endpointOf(server.url, ca)];
  const credentials = { clientId: '800', clientSecret: SECRET };
  return {
    endpoints,
    credentials,
    topology: loadTopology(undefined),
    driver: new SimDriver(endpoints[1]!, ADMIN_KEY),
    ownServer: true,
    caFile: server.caFile,
    api: (endpoint) => new Api(endpoint, credentials),
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function openTarget(): Promise<Target> {
  const base = process.env['CONFORMANCE_BASE_URL'];
  return base ? external(base) : own();
}
