import { app } from './app.js';
import { cluster } from './cluster.js';
import { cni } from './cni.js';
import { contexts } from './contexts.js';
import type { ContractShape, Feature } from './define.js';
import { filter } from './filter.js';
import { flows } from './flows.js';
import { inventory } from './inventory.js';
import { packets } from './packets.js';
import { settings } from './settings.js';
import { shell } from './shell.js';
import { tap } from './tap.js';

/**
 * The contract between the core and the UI: every channel, defined once, with the schemas both
 * sides validate against. One file per feature; add a feature by writing `contract/<feature>.ts`
 * (channels named `<feature>.<verb>`) and listing it in `features` and in `contract` below
 * (see main/ipc/README.md).
 */
export const features = {
  app,
  contexts,
  cluster,
  inventory,
  cni,
  filter,
  settings,
  shell,
  tap,
  packets,
  flows,
} as const;

export const contract = {
  requests: {
    ...app.requests,
    ...contexts.requests,
    ...cluster.requests,
    ...inventory.requests,
    ...cni.requests,
    ...filter.requests,
    ...settings.requests,
    ...shell.requests,
    ...tap.requests,
    ...packets.requests,
    ...flows.requests,
  },
  events: {
    ...app.events,
    ...contexts.events,
    ...cluster.events,
    ...inventory.events,
    ...cni.events,
    ...filter.events,
    ...settings.events,
    ...shell.events,
    ...tap.events,
    ...packets.events,
    ...flows.events,
  },
} as const satisfies ContractShape;

export type Contract = typeof contract;

/** Channel names defined by more than one feature (a spread above would silently keep the last). */
export function duplicateChannels(all: Record<string, Feature> = features): string[] {
  const seen = new Map<string, number>();
  for (const feature of Object.values(all))
    for (const name of [...Object.keys(feature.requests), ...Object.keys(feature.events)])
      seen.set(name, (seen.get(name) ?? 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([name]) => name);
}

export {
  type ContractShape,
  type EventDef,
  event,
  type Feature,
  type RequestDef,
  request,
} from './define.js';
