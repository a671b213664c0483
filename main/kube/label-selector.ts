/**
 * Kubernetes label selectors (the string form: `app=web,tier!=db,env in (prod,qa),!legacy`),
 * evaluated on our side where one watch serves several selections.
 */
type Requirement =
  | { op: 'in'; key: string; values: Set<string> }
  | { op: 'notin'; key: string; values: Set<string> }
  | { op: 'exists'; key: string }
  | { op: 'absent'; key: string };

export class LabelSelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function clauses(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.map((c) => c.trim()).filter(Boolean);
}

function parseClause(clause: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(clause);
  if (set) {
    const values = new Set((set[3] ?? '').split(',').map((v) => v.trim()));
    return { op: set[2] === 'in' ? 'in' : 'notin', key: set[1] ?? '', values };
  }
  const neq = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(clause);
  if (neq) return { op: 'notin', key: neq[1] ?? '', values: new Set([neq[2] ?? '']) };
  const eq = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(clause);
  if (eq) return { op: 'in', key: eq[1] ?? '', values: new Set([eq[2] ?? '']) };
  const absent = /^!\s*(\S+)$/.exec(clause);
  if (absent) return { op: 'absent', key: absent[1] ?? '' };
  if (/^[^\s=!(),]+$/.test(clause)) return { op: 'exists', key: clause };
  throw new LabelSelectorError(`label selector: cannot read "${clause}"`);
}

export function parseLabelSelector(
  text: string | undefined,
): (labels: Readonly<Record<string, string>>) => boolean {
  const requirements = clauses(text ?? '').map(parseClause);
  return (labels) =>
    requirements.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      switch (r.op) {
        case 'in':
          return has && r.values.has(labels[r.key] as string);
        case 'notin':
          return !has || !r.values.has(labels[r.key] as string);
        case 'exists':
          return has;
        default:
          return !has; // 'absent'
      }
    });
}
