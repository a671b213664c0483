import type { TapError } from '../store/tap-slice.js';

/**
 * A start refused for lack of permissions: the core's sentence and each missing permission on
 * its own line, so the user can hand the list to whoever grants RBAC.
 */
export function PermissionPanel({ error, context }: { error: TapError; context: string | null }) {
  return (
    <div className="permission-panel" role="alert" aria-labelledby="permission-heading">
      <h3 id="permission-heading">Missing permissions{context ? ` in ${context}` : ''}</h3>
      <p>{error.message}</p>
      {error.missing && error.missing.length > 0 && (
        <>
          <p>Your credentials cannot:</p>
          <ul className="missing-list">
            {error.missing.map((m) => (
              <li key={m}>
                <code>{m}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="hint">
        Nothing was created in the cluster. Use a context with these permissions (Ctrl+K), or ask for them.
      </p>
    </div>
  );
}
