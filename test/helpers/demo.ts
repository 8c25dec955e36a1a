// Device ids of the demo PBX, read from its configuration so tests do not repeat them.

import type { PbxConfig } from '../../src/config/types.js';

export function deviceIds(config: PbxConfig) {
  const ext = (number: string) => config.extensions.find((e) => e.number === number)!.devices;
  const bob = ext('101');
  return {
    alice: ext('100')[0]!.id,
    bobDesk: bob.find((d) => !d.directControl)!.id,
    bobSoft: bob.find((d) => d.directControl)!.id,
    carol: ext('102')[0]!.id,
    dave: ext('103')[0]!.id,
    routePoint: config.routePoints.find((r) => r.number === '800')!.device.id,
  };
}
