// The HS256 key that signs access tokens: 32 random bytes made once and kept in the data folder across restarts.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Size of the HMAC-SHA256 signing key, in bytes. */
export const SIGNING_KEY_BYTES = 32;
export const SIGNING_KEY_FILE = 'token-signing.key';

/**
 * Reads `<dataDir>/token-signing.key`, or creates it (folder 0700, file 0600) with fresh random bytes when absent.
 * A file of the wrong size is an error, never silently replaced: replacing it would log out every client.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<Uint8Array> {
  const path = join(dataDir, SIGNING_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    key = randomBytes(SIGNING_KEY_BYTES);
    try {
      // 'wx': if another process created the file meanwhile, use its key instead of overwriting it.
      await writeFile(path, key, { mode: 0o600, flag: 'wx' });
      await chmod(path, 0o600); // the umask may have removed bits but never adds any; make the mode exact
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      key = await readFile(path);
    }
  }
  if (key.length !== SIGNING_KEY_BYTES) {
    throw new Error(`${path} holds ${key.length} bytes, expected ${SIGNING_KEY_BYTES}: delete it to make a new key (every issued token becomes invalid)`);
  }
  return new Uint8Array(key);
}
