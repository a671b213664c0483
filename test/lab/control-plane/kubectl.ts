import { execFileSync } from 'node:child_process';
import { KUBECONFIG_FILE } from './lab-paths.js';

/** The lab's kubectl with the admin context; throws with kubectl's own message on failure. */
export function kubectl(kubectlPath: string, args: string[], input?: string): string {
  try {
    return execFileSync(kubectlPath, [`--kubeconfig=${KUBECONFIG_FILE}`, '--context=lab', ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 28,
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}
