import fs from 'node:fs';
import path from 'node:path';
import { kubectl } from './kubectl.js';
import { REPO } from './lab-paths.js';

/** lab-viewer may only get/list/watch in namespace shop: the user for permission-error tests. */
const VIEWER_RBAC = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: lab-viewer, namespace: shop}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: lab-viewer, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: lab-viewer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: lab-viewer}
`;

export function applyViewerRbac(kubectlPath: string): void {
  kubectl(kubectlPath, ['apply', '-f', '-'], VIEWER_RBAC);
}

export const SHOP_MANIFEST = path.join(REPO, 'test/lab/workloads/shop.yaml');

/** The demo namespace's workloads; waits until every shop pod is Ready. */
export function deployShop(kubectlPath: string, log: (line: string) => void): void {
  if (!fs.existsSync(SHOP_MANIFEST)) {
    log(`no ${path.relative(REPO, SHOP_MANIFEST)}: shop workloads skipped`);
    return;
  }
  kubectl(kubectlPath, ['apply', '-f', SHOP_MANIFEST]);
  log('shop workloads applied; waiting for their pods to be Ready');
  const deadline = Date.now() + 180_000;
  for (;;) {
    const pods = JSON.parse(kubectl(kubectlPath, ['get', 'pods', '-n', 'shop', '-o', 'json'])) as {
      items: { status?: { conditions?: { type: string; status: string }[] } }[];
    };
    const ready = pods.items.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (pods.items.length > 0 && ready.length === pods.items.length) {
      log(`shop: ${ready.length} pods Ready`);
      return;
    }
    if (Date.now() > deadline)
      throw new Error(
        `shop pods not Ready after 180 s (${ready.length}/${pods.items.length}); see kubectl get pods -n shop`,
      );
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}
