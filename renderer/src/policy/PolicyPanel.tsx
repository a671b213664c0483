import { useApp } from '../store/react.js';
import { isTapActive } from '../store/tap-slice.js';
import { OptionalNumber } from '../ui/OptionalNumber.js';
import { CaptureFilterInput } from './CaptureFilterInput.js';
import { MaskRules } from './MaskRules.js';
import { MAX_DEDUP_MS, MAX_SAMPLE, MAX_SLICE, samePolicy } from './policy-form.js';

/** The broker's stages, applied live to a running tap: filter → dedup → sample → slice → mask. */
export function PolicyPanel() {
  const draft = useApp((s) => s.policy.draft);
  const applied = useApp((s) => s.policy.applied);
  const applying = useApp((s) => s.policy.applying);
  const { change, apply } = useApp((s) => s.policy);
  const running = useApp((s) => isTapActive(s.tap.state));
  const pending = running && !samePolicy(draft, applied);
  const sample = draft.sample;

  return (
    <section className="panel policy-panel" aria-labelledby="policy-heading">
      <header className="panel-header">
        <h2 id="policy-heading">Capture policy</h2>
        <span className="policy-state" aria-live="polite" data-testid="policy-state">
          {!running
            ? 'used by the next tap'
            : applying
              ? 'applying…'
              : pending
                ? 'changed — Enter applies'
                : 'applied'}
        </span>
      </header>
      <CaptureFilterInput />
      <OptionalNumber
        label="De-duplicate"
        value={draft.dedup?.windowMs}
        min={1}
        max={MAX_DEDUP_MS}
        unit="ms window"
        placeholder="off"
        onChange={(windowMs) => change({ dedup: windowMs === undefined ? undefined : { windowMs } })}
      />
      <OptionalNumber
        label="Sample 1 in"
        value={sample && sample.oneIn > 1 ? sample.oneIn : undefined}
        min={2}
        max={MAX_SAMPLE}
        unit="packets"
        placeholder="all"
        onChange={(oneIn) =>
          change({ sample: { mode: sample?.mode ?? 'every', ...sample, oneIn: oneIn ?? 1 } })
        }
      />
      {sample && sample.oneIn > 1 && (
        <label className="field-row">
          <span>Sampling</span>
          <select
            className="field"
            value={sample.mode}
            onChange={(e) => change({ sample: { ...sample, mode: e.target.value as 'every' | 'random' } })}
          >
            <option value="every">every Nth packet</option>
            <option value="random">random, 1 in N on average</option>
          </select>
        </label>
      )}
      <OptionalNumber
        label="At most"
        value={sample?.maxPacketsPerSecond}
        min={1}
        max={10_000_000}
        unit="packets/s"
        placeholder="no cap"
        onChange={(max) => {
          const { maxPacketsPerSecond: _old, ...rest } = sample ?? { mode: 'every' as const, oneIn: 1 };
          change({ sample: max === undefined ? rest : { ...rest, maxPacketsPerSecond: max } });
        }}
      />
      <OptionalNumber
        label="Slice to"
        value={draft.slice}
        min={1}
        max={MAX_SLICE}
        unit="bytes"
        placeholder="whole"
        onChange={(slice) => change({ slice })}
      />
      <MaskRules />
      {running && (
        <button type="button" className="button" onClick={() => void apply()} disabled={!pending || applying}>
          Apply to the running tap
        </button>
      )}
    </section>
  );
}
