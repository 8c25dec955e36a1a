// The server under test as the benchmark runner sees it: a child process (bench/server.ts compiled) pinned to the
// server core, asked for CPU, memory and event-loop figures around each measured window, optionally profiled.

import { join } from 'node:path';
import type { ServerSpec } from './server.js';
import { Channel, cpuCount, machineBusyCores, machineCpu, spawnNode, type CpuTimes } from './lib.js';

export const RESULTS_DIR = join(process.cwd(), 'bench', 'results');
const SERVER_SCRIPT = join(RESULTS_DIR, 'build', 'bench', 'server.js');
export const SERVER_CORE = 0;
/** --prof: each measured window is profiled into bench/results/profiles/. */
const PROFILE = process.argv.includes('--prof');


export interface ServerStats {
  cpu: { user: number; system: number };
  at: number;
  rss: number;
  peakRss: number;
  heapUsed: number;
  media?: { framesSkipped: number; uploadUnderrunFrames: number; framesProcessed: number; ports: number };
  loopP99Ms: number;
  loopMaxMs: number;
}

export interface Window {
  cpuCores: number;
  peakRssMb: number;
  rssMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
  machineBusyCores: number;
  underrunFrames: number;
  framesSkipped: number;
}

export class ServerUnderTest {
  private constructor(
    readonly channel: Channel,
    readonly url: string,
    readonly bareUrl: string,
    /** The SIP UDP port when the spec asked for SIP, else null. */
    readonly sipPort: number | null,
    private readonly profileName: string,
  ) {}

  static async start(spec: ServerSpec, profileName: string): Promise<ServerUnderTest> {
    const child = spawnNode(SERVER_SCRIPT, [JSON.stringify(spec)], { core: SERVER_CORE, plain: true });
    const channel = new Channel(child, 'server');
    const ready = await channel.next<{ url: string; bareUrl: string; sipPort: number | null }>('ready', 60_000);
    return new ServerUnderTest(channel, ready.url, ready.bareUrl, ready.sipPort, profileName);
  }

  private profiles = 0;

  /** Where the profile of the current window goes (with --prof): one file per measured window. */
  private profilePath(): string | undefined {
    return PROFILE ? join(RESULTS_DIR, 'profiles', `${this.profileName}${this.profiles > 0 ? `-${this.profiles}` : ''}.cpuprofile`) : undefined;
  }

  async mark(): Promise<{ stats: ServerStats; machine: CpuTimes | undefined }> {
    this.channel.send({ cmd: 'mark', profile: PROFILE });
    const stats = await this.channel.next<ServerStats>('marked');
    return { stats, machine: machineCpu() };
  }

  async window(from: { stats: ServerStats; machine: CpuTimes | undefined }): Promise<Window> {
    const profile = this.profilePath();
    this.channel.send({ cmd: 'stats', profile });
    const stats = await this.channel.next<ServerStats>('stats');
    if (profile) {
      this.profiles++;
      console.log(`\n  profile: ${profile}`);
    }
    const machine = machineCpu();
    const cpuUs = stats.cpu.user + stats.cpu.system - (from.stats.cpu.user + from.stats.cpu.system);
    const elapsedMs = stats.at - from.stats.at;
    return {
      cpuCores: cpuUs / 1000 / elapsedMs,
      peakRssMb: stats.peakRss / 2 ** 20,
      rssMb: stats.rss / 2 ** 20,
      loopP99Ms: stats.loopP99Ms,
      loopMaxMs: stats.loopMaxMs,
      machineBusyCores: machineBusyCores(from.machine, machine, cpuCount()),
      underrunFrames: (stats.media?.uploadUnderrunFrames ?? 0) - (from.stats.media?.uploadUnderrunFrames ?? 0),
      framesSkipped: (stats.media?.framesSkipped ?? 0) - (from.stats.media?.framesSkipped ?? 0),
    };
  }

  stop(): Promise<void> {
    return this.channel.stop();
  }
}
