import { useApp } from '../store/react.js';
import { probeLabel } from './probe-label.js';

/** Reachability and CNI of the current context, next to the context button. */
export function ClusterStatus() {
  const current = useApp((s) => s.contexts.state?.current ?? null);
  const problem = useApp((s) => s.contexts.state?.problem ?? null);
  const probe = useApp((s) => (current ? s.contexts.probes[current] : undefined));
  const cni = useApp((s) => s.cluster.cni);
  const cniError = useApp((s) => s.cluster.cniError);
  const cniLoading = useApp((s) => s.cluster.cniLoading);
  const notify = useApp((s) => s.notices.push);
  if (!current)
    return (
      <span className="cluster-status status-bad" role="status">
        {problem?.message ?? 'No Kubernetes context'}
      </span>
    );
  const reach = probeLabel(probe);
  const cniText = cniLoading
    ? 'CNI: detecting…'
    : cni
      ? `CNI: ${cni.summary}`
      : cniError
        ? 'CNI: unknown'
        : 'CNI: –';
  const cniTitle = cni
    ? [
        cni.summary,
        ...cni.nodes.map((n) => `${n.node}: ${n.product} (${n.evidence.join('; ')})`),
        ...cni.warnings,
      ].join('\n')
    : (cniError ?? '');
  return (
    <span className="cluster-status" role="status" aria-label="Cluster status">
      <span className={`badge badge-${reach.tone}`} title={reach.title} data-testid="cluster-reachability">
        {reach.text}
      </span>
      <button
        type="button"
        className={`badge badge-button ${cni && !cni.supported ? 'badge-warn' : 'badge-plain'}`}
        title={cniTitle}
        aria-label={`${cniText}. Show the evidence per node`}
        data-testid="cluster-cni"
        disabled={cniLoading || (!cni && !cniError)}
        // The evidence and warnings are sentences to read, not a tooltip to hover for.
        onClick={() =>
          notify(cniError ? 'error' : cni && cni.warnings.length > 0 ? 'warning' : 'info', cniTitle)
        }
      >
        {cniText}
        {cni && cni.warnings.length > 0 && ' ⚠'}
      </button>
    </span>
  );
}
