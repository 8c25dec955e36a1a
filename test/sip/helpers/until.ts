// Waits for a condition in real time: SIP tests wait for UDP round trips this way, never by sleeping a fixed time.

/** Resolves once `check` holds; fails after 5 s naming `what`. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
