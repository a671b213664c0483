import { useApp } from '../store/react.js';
import { count } from '../ui/format.js';
import { RateChart } from './RateChart.js';

/** Every pipeline stage and node counter at a glance, with the rate chart (counters.changed, 1/s). */
export function CountersStrip() {
  const counters = useApp((s) => s.flows.counters);
  const rates = useApp((s) => s.flows.rates);
  if (!counters) return null;
  return (
    <section className="counters-strip" aria-label="Pipeline counters">
      <RateChart values={rates} />
      <ol className="stages" aria-label="Broker stages, in order">
        {counters.stages.map((stage) => (
          <li key={stage.name}>
            <span className="stage-name">{stage.name}</span>{' '}
            <span className="stage-count">{count(stage.packets)}</span>
          </li>
        ))}
      </ol>
      <ul className="node-counters" aria-label="Per node">
        {counters.nodes.map((node) => (
          <li key={node.node} className={node.dropped > 0 ? 'has-drops' : ''}>
            <span className="stage-name">{node.node}</span> {count(node.received)}
            {node.dropped > 0 && <span className="drops"> ({count(node.dropped)} dropped)</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
