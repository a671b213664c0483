import { packetRate } from '../ui/format.js';

interface Props {
  /** Values oldest first, one per second. */
  values: number[];
  width?: number;
  height?: number;
  label?: string;
}

/** Packets per second as a small SVG area chart: no chart library, one path, scales to its peak. */
export function RateChart({ values, width = 160, height = 28, label = 'Packet rate' }: Props) {
  const peak = Math.max(1, ...values);
  // Headroom above the peak, so a steady rate reads as a line, not as a filled box.
  const top = peak * 1.25;
  const n = values.length;
  const step = n > 1 ? width / (n - 1) : width;
  const y = (v: number) => height - 1 - (v / top) * (height - 2);
  const line = values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`)
    .join('');
  const area = n > 0 ? `${line}L${((n - 1) * step).toFixed(1)},${height}L0,${height}Z` : '';
  const last = values[n - 1] ?? 0;
  return (
    <figure className="rate-chart">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${label}: now ${packetRate(last)}, peak ${packetRate(peak)} over the last ${n} seconds`}
      >
        <path className="rate-area" d={area} />
        <path className="rate-line" d={line} />
      </svg>
      <figcaption>
        {packetRate(last)} <span className="hint">peak {packetRate(peak)}</span>
      </figcaption>
    </figure>
  );
}
