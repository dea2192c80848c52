/**
 * The access matrix against the real RBAC authorizer: for every identity,
 * namespace, resource and verb, a SubjectAccessReview must agree with
 * `accessMatrix`, in both directions (granted and denied).
 */
import * as fs from 'fs';
import { canI, EXAMPLE_CATALOG, inParallel, kubectlOk, Subject, synthCatalog } from './support/cluster';
import { AccessMatrix, accessMatrix, RESOURCES, VERBS } from '../../src/analysis/access';
import { serviceAccountRequester } from '../../src/analysis/rbac';
import { readManifestDir } from '../../src/catalog/manifest-reader';

function subjectOf(kind: string, name: string): Subject {
  if (kind === 'User') return { user: name, groups: ['system:authenticated'] };
  if (kind === 'Group') return { groups: [name] };
  const [namespace, account] = name.split('/');
  return serviceAccountRequester(namespace, account);
}

interface Cell { identity: string; subject: Subject; namespace: string; resource: (typeof RESOURCES)[number]; verb: string; expected: boolean }

function cells(matrix: AccessMatrix, extra: Array<{ kind: string; name: string }>): Cell[] {
  const all: Cell[] = [];
  const identities = [...matrix.identities.map(i => ({ kind: i.kind, name: i.name, access: i.access })), ...extra.map(e => ({ ...e, access: {} as AccessMatrix['identities'][number]['access'] }))];
  for (const identity of identities) {
    for (const namespace of matrix.namespaces) {
      for (const resource of RESOURCES) {
        for (const verb of VERBS) {
          const expected = identity.access[namespace]?.resources[resource.label]?.includes(verb) ?? false;
          all.push({ identity: `${identity.kind} ${identity.name}`, subject: subjectOf(identity.kind, identity.name), namespace, resource, verb, expected });
        }
      }
    }
  }
  return all;
}

describe('access matrix of the bundled example, confirmed by SubjectAccessReviews', () => {
  const out = synthCatalog(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), 'example');
  const matrix = accessMatrix(readManifestDir(out));

  beforeAll(() => {
    kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-k', out]);
  });

  test('every cell (identity × namespace × resource × verb) agrees with the API server', async () => {
    const all = cells(matrix, [{ kind: 'User', name: 'stranger@company.com' }, { kind: 'Group', name: 'everyone@company.com' }]);
    const answers = await inParallel(all, 8, cell => canI(cell.subject, {
      namespace: cell.namespace,
      verb: cell.verb,
      group: cell.resource.apiGroup,
      resource: cell.resource.resource,
      subresource: cell.resource.subresource,
    }));
    const disagreements = all.filter((cell, i) => answers[i] !== cell.expected)
      .map(cell => `${cell.identity} ${cell.verb} ${cell.resource.label} in ${cell.namespace}: matrix ${cell.expected}, server ${!cell.expected}`);
    expect(disagreements).toEqual([]);
    // The matrix is not trivially empty: both answers occur.
    expect(all.filter(c => c.expected).length).toBeGreaterThan(500);
    expect(all.filter(c => !c.expected).length).toBeGreaterThan(500);
  });

  const can = (subject: Subject, namespace: string, verb: string, resource: string, group = '') => canI(subject, { namespace, verb, group, resource });

  test('users of one tenant are denied in another', async () => {
    const bob = subjectOf('User', 'bob@company.com');
    expect(await can(bob, 'team-ml-platform', 'create', 'pods')).toBe(true);
    expect(await can(bob, 'team-research', 'get', 'pods')).toBe(false);
    expect(await can(bob, 'team-research', 'list', 'secrets')).toBe(false);
  });

  test('view (the default-viewer account) cannot create pods; an edit contributor can but cannot bind roles', async () => {
    const viewer = subjectOf('ServiceAccount', 'team-research/default-viewer');
    expect(await can(viewer, 'team-research', 'list', 'pods')).toBe(true);
    expect(await can(viewer, 'team-research', 'create', 'pods')).toBe(false);
    const carol = subjectOf('User', 'carol@company.com');
    expect(await can(carol, 'team-ml-platform', 'create', 'pods')).toBe(true);
    expect(await can(carol, 'team-ml-platform', 'create', 'rolebindings', 'rbac.authorization.k8s.io')).toBe(false);
  });

  test('a member of a contributor group gets the group\'s role, someone outside it does not', async () => {
    const member = { user: 'someone@company.com', groups: ['ml-engineers@company.com', 'system:authenticated'] };
    expect(await can(member, 'team-ml-platform', 'create', 'notebooks', 'kubeflow.org')).toBe(true);
    expect(await can({ user: 'someone@company.com', groups: ['system:authenticated'] }, 'team-ml-platform', 'get', 'notebooks', 'kubeflow.org')).toBe(false);
  });
});
