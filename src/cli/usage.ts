// What `switchboard help` prints: every command, one line each, and the connection flags.

import { CONNECTION_HELP } from './options.js';

export const MAIN_USAGE = `Usage: switchboard COMMAND [options]

Commands:
  serve [--config FILE] [--host HOST] [--port PORT] [--fake-clock]   run the server
  token                 get an access token with the client credentials
  dns                   the DNs the application sees: devices and participants
  events [--count N]    tail the event socket, one line per frame
  call FROM TO          place a call as an external caller or an extension's phone (/sim)
  answer PARTY          a ringing simulated party answers (/sim)
  hangup PARTY          a simulated party hangs up (/sim)
  dtmf PARTY DIGITS     a simulated party presses keys (/sim)
  state                 DNs, devices and behaviours, calls, the clock (/sim)

${CONNECTION_HELP}

docs/cli.md has examples.`;
