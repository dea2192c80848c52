/**
 * Removing a contributor from the catalog and re-applying with pruning (an
 * ApplySet per tenant) removes the contributor's access: the
 * SubjectAccessReview flips from allowed to denied.
 */
import * as fs from 'fs';
import * as path from 'path';
import { canI, EXAMPLE_CATALOG, kubectlOk, synthCatalog } from './support/cluster';

const NS = 'fraud-detection-team';
const APPLYSET = ['--server-side', '--field-manager', 'kf-tenancy-test', '--prune', '--applyset', 'kf-tenancy', '-n', NS];
// ApplySet pruning is still behind this switch in kubectl 1.34.
const ENV = { KUBECTL_APPLYSET: 'true' };

describe('removing a contributor', () => {
  test('re-applying with prune takes the access away', async () => {
    const catalog = fs.readFileSync(EXAMPLE_CATALOG, 'utf8');
    const without = catalog.replace('      - name: analyst2@company.com\n', '');
    expect(without).not.toBe(catalog);
    const before = synthCatalog(catalog, 'before');
    const after = synthCatalog(without, 'after');
    const analyst2 = { user: 'analyst2@company.com', groups: ['system:authenticated'] };
    const createPods = () => canI(analyst2, { namespace: NS, verb: 'create', group: '', resource: 'pods' });

    // The Namespace must exist before the ApplySet's parent Secret can be written into it.
    kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-f', path.join(before, 'tenants', NS, 'manifests.yaml')]);
    kubectlOk(['apply', ...APPLYSET, '-k', path.join(before, 'tenants', NS)], { env: ENV });
    expect(await createPods()).toBe(true);

    const pruned = kubectlOk(['apply', ...APPLYSET, '-k', path.join(after, 'tenants', NS)], { env: ENV });
    expect(pruned).toContain('rolebinding.rbac.authorization.k8s.io/user-analyst2-company-com-clusterrole-edit pruned');
    expect(pruned).toContain('authorizationpolicy.security.istio.io/user-analyst2-company-com-clusterrole-edit pruned');
    expect(await createPods()).toBe(false);
    // The others keep theirs.
    expect(await canI({ user: 'analyst1@company.com', groups: ['system:authenticated'] }, { namespace: NS, verb: 'create', group: '', resource: 'pods' })).toBe(true);
  });
});
