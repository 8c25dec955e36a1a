// What an application may see and control: its route point and its monitored DNs, in configured order.

import type { ApplicationConfig } from '../../config/types.js';
import { CoreError, ErrorCodes } from '../../core/errors.js';
import type { Pbx } from '../../core/pbx.js';
import { ApiError, ApiErrorCodes } from '../errors.js';

/** The application's route point first, then its monitored DNs in configured order, each once, existing ones only. */
export function visibleDns(pbx: Pbx, app: ApplicationConfig): string[] {
  return [...new Set([app.clientId, ...app.monitor])].filter((dn) => pbx.hasDn(dn));
}

/** Throws DnNotFound (404) for a DN that does not exist, Forbidden (403) for one outside the application's scope. */
export function assertDnAccess(pbx: Pbx, app: ApplicationConfig, dn: string): void {
  if (!pbx.hasDn(dn)) throw new CoreError(ErrorCodes.DN_NOT_FOUND, `DN ${dn} does not exist`);
  if (dn !== app.clientId && !app.monitor.includes(dn)) {
    throw new ApiError(ApiErrorCodes.FORBIDDEN, `application ${app.clientId} may not access DN ${dn}: it is neither its route point nor a monitored DN`);
  }
}
