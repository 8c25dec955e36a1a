// The package's entry point: the SDK (CallControlClient, SimClient), and the server to embed in tests.

export * from './client/index.js';
export { startServer, type RunningServer, type ServerOptions } from './server.js';
export { demoConfig } from './config/demo.js';
export { ConfigError, loadConfigFile, type ConfigProblem } from './config/load.js';
export type { PbxConfig } from './config/types.js';
