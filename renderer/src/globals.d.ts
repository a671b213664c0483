import type { ClusterTapBridge } from '../../main/ipc/types.js';

declare global {
  /** Set by scripts/build-renderer.js: true in development bundles (contract validation on). */
  const __DEV__: boolean;

  interface Window {
    /** The Electron preload's bridge; absent in a browser (clustertap serve). */
    readonly clustertap?: ClusterTapBridge;
  }
}
