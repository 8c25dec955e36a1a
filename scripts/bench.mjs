// npm run bench [-- --quick] [-- --only streams,churn,fanout,rest,register] [-- --steps 100,1024] [-- --prof]
// Runs bench/main.ts (TypeScript, through tsx) with the runner pinned to the load core when taskset exists; the runner
// pins the server to core 0 and its load generators to core 1. See docs/benchmarks.md.
import { spawn, spawnSync } from 'node:child_process';

const pin = spawnSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' }).status === 0;
const args = ['--import', 'tsx', 'bench/main.ts', ...process.argv.slice(2)];
const child = pin ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: 'inherit' }) : spawn(process.execPath, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
