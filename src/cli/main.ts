#!/usr/bin/env node
// The `switchboard` command: `serve` runs the server; the other commands talk to a running one (Call Control API and /sim).

import { ConfigError } from '../config/errors.js';
import { DNS_USAGE, dns } from './commands/dns.js';
import { EVENTS_USAGE, events } from './commands/events.js';
import { ANSWER_USAGE, CALL_USAGE, DTMF_USAGE, HANGUP_USAGE, STATE_USAGE, answer, call, dtmf, hangup, state } from './commands/sim.js';
import { MEDIA_USAGE, PLAY_USAGE, RECORD_USAGE, media, play, record } from './commands/sim-audio.js';
import { SIP_USAGE, sip } from './commands/sip.js';
import { STREAM_USAGE, stream } from './commands/stream.js';
import { TOKEN_USAGE, token } from './commands/token.js';
import { WAIT_USAGE, wait } from './commands/wait.js';
import { explainClientError } from './errors.js';
import { CONNECTION_FLAGS, CONNECTION_HELP } from './options.js';
import { UsageError } from './usage-error.js';
import { MAIN_USAGE, SERVE_USAGE } from './usage.js';

interface Command {
  run(argv: string[]): Promise<number>;
  usage: string;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: {
    run: async (argv) => {
      // Loaded only for serve: the client commands need none of the server.
      const { serve } = await import('./commands/serve.js');
      await serve(argv);
      return 0;
    },
    usage: SERVE_USAGE,
  },
  token: { run: token, usage: TOKEN_USAGE },
  dns: { run: dns, usage: DNS_USAGE },
  events: { run: events, usage: EVENTS_USAGE },
  call: { run: call, usage: CALL_USAGE },
  answer: { run: answer, usage: ANSWER_USAGE },
  hangup: { run: hangup, usage: HANGUP_USAGE },
  dtmf: { run: dtmf, usage: DTMF_USAGE },
  state: { run: state, usage: STATE_USAGE },
  play: { run: play, usage: PLAY_USAGE },
  record: { run: record, usage: RECORD_USAGE },
  media: { run: media, usage: MEDIA_USAGE },
  stream: { run: stream, usage: STREAM_USAGE },
  sip: { run: sip, usage: SIP_USAGE },
  wait: { run: wait, usage: WAIT_USAGE },
};

/** Connection flags that take a value: the word after them is that value, never the command. */
const VALUE_FLAGS = new Set(Object.entries(CONNECTION_FLAGS).filter(([, spec]) => spec.type === 'string').map(([name]) => `--${name}`));

/**
 * The command's name and the other arguments: connection flags may come before the command as well as after it
 * (`switchboard --admin-key K state`). The first word that is neither a flag nor a flag's value names the command.
 */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    else if (arg === '--help' || arg === '-h') return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: argv };
}

export async function main(argv: string[]): Promise<number> {
  const { name, rest } = splitCommand(argv);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(MAIN_USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`switchboard: unknown command '${name}'\n${MAIN_USAGE}`);
    return 2;
  }
  if (name !== 'serve' && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(`${command.usage}\n\n${CONNECTION_HELP}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`switchboard: the configuration has ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}:\n${error.message}`);
      return 2;
    }
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`switchboard: ${error.message}\n${command.usage}`);
      return 2;
    }
    const explained = explainClientError(error);
    if (explained !== undefined) {
      console.error(`switchboard: ${explained}`);
      return 1;
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
