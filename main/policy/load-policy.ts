import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { type Policy, PolicySchema } from './policy-schema.js';

/** A policy that failed validation: the message names the field and what is wrong with it. */
export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Validates a parsed policy (from a file, the UI or the agent's API). */
export function parsePolicy(value: unknown, origin = 'policy'): Policy {
  const parsed = PolicySchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new PolicyError(`${origin}: ${describeIssues(parsed.error.issues)}`);
}

/** Loads a policy from JSON or YAML (by extension; YAML is a superset, so anything else parses as YAML). */
export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let value: unknown;
  try {
    value = path.extname(file) === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    throw new PolicyError(
      `${file}: not valid ${path.extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return parsePolicy(value, file);
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('; ');
}
