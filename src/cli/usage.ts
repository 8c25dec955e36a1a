// What `switchboard help` prints: every command, one line each, and the connection flags.

import { CONNECTION_HELP } from './options.js';

export const MAIN_USAGE = `Usage: switchboard COMMAND [options]   (the connection flags may come before or after COMMAND)

Commands:
  serve [--config FILE] [--host HOST] [--port PORT] [--sip-port PORT] [--fake-clock]   run the server
  wait [--timeout S]    wait until the server answers (for scripts that start serve in the background)
  token                 get an access token with the client credentials
  dns                   the DNs the application sees: devices and participants
  events [--count N]    tail the event socket, one line per frame
  stream read DN ID     listen to a participant: raw PCM in real time, to -o FILE or stdout
  stream write DN ID    speak as a participant: raw PCM from FILE or stdin, played at real time
  call FROM TO          place a call as an external caller or an extension's phone (/sim)
  answer PARTY          a ringing simulated party answers (/sim)
  hangup PARTY          a simulated party hangs up (/sim)
  dtmf PARTY DIGITS     a simulated party presses keys (/sim)
  state                 DNs, devices and behaviours, calls, the clock (/sim)
  play PARTY FILE       a simulated party plays a WAV file (or --raw PCM, --tone, --dtmf) into its call (/sim)
  record PARTY -o FILE  what a simulated party heard, as a WAV file (/sim)
  media                 what simulated parties send: silence, echo, a tone or a WAV file (/sim)
  sip registrations     the SIP phones registered now: contact, User-Agent, source, expiry (/sim)
  sip trunks            the SIP trunks: provider, registration state, last answer, next attempt (/sim)

${CONNECTION_HELP}

docs/cli.md has examples.`;

/** `switchboard serve --help` and serve's usage errors. */
export const SERVE_USAGE = `Usage: switchboard serve [--config FILE] [--host HOST] [--port PORT] [--tls-cert FILE --tls-key FILE] [--sip-host HOST] [--sip-port PORT] [--fake-clock] [--ready-file PATH]

Runs the 3CX Call Control API server. Without --config (or SWITCHBOARD_CONFIG) it runs the embedded demo PBX.
--ready-file PATH: once listening, writes the URL to PATH (removed on stop); switchboard wait waits for the server.
SIP (UDP and TCP on one port; 0 picks a free port) follows server.sip unless --sip-host/--sip-port say otherwise.
Environment: SWITCHBOARD_CONFIG, SWITCHBOARD_HOST, SWITCHBOARD_PORT, SWITCHBOARD_SIP_HOST, SWITCHBOARD_SIP_PORT,
SWITCHBOARD_DEMO_SECRET, SWITCHBOARD_DEMO_SIP_PASSWORD, SWITCHBOARD_ADMIN_KEY.`;
