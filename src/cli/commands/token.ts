// `switchboard token`: gets an access token with the application's client credentials and prints it.

import { callControlClient, parseCommand } from '../options.js';

export const TOKEN_USAGE = 'Usage: switchboard token [--json]   (prints the access token; --json the whole token response)';

export async function token(argv: string[]): Promise<number> {
  const { settings } = parseCommand(argv, {}, []);
  const response = await callControlClient(settings).requestToken();
  console.log(settings.json ? JSON.stringify(response) : response.access_token);
  return 0;
}
