// What the views share to change the simulation: the /sim client and one way to run a change and report its error.

import type { SimApi } from './api';

export interface Actions {
  api: SimApi;
  /** Runs a /sim change; on failure shows `what` failed and why. The live feed brings the new state. */
  run(what: string, change: () => Promise<unknown>): Promise<void>;
}
