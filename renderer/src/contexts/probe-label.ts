import type { Probe } from '../store/contexts-slice.js';

/** A probe as a few words for a badge, its tone, and the full sentence for a tooltip. */
export function probeLabel(probe: Probe | undefined): {
  text: string;
  tone: 'ok' | 'bad' | 'unknown';
  title: string;
} {
  if (!probe || probe.status === 'probing')
    return { text: 'checking…', tone: 'unknown', title: 'Asking the API server' };
  if (probe.status === 'failed') return { text: 'unusable', tone: 'bad', title: probe.message };
  const { result } = probe;
  if (result.reachable)
    return {
      text: `reachable ${result.version}`,
      tone: 'ok',
      title: `${result.server} answers: ${result.version}`,
    };
  return { text: result.reason, tone: 'bad', title: result.error.message };
}
