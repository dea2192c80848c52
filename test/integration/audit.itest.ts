/**
 * The generated audit policy, loaded by a real kube-apiserver
 * (`--audit-policy-file`): the server starts with it, and the audit log shows
 * Secrets at Metadata without their bodies, access changes in tenants in full,
 * and nothing for what the policy leaves out.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { controlPlane, EXAMPLE_CATALOG, synthCatalog, tempDir } from './support/cluster';
import { apiServerArgs, BIN_DIR, freePort, request } from './support/controlplane';

describe('audit policy in kube-apiserver', () => {
  const info = controlPlane();
  const out = synthCatalog(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), 'example');
  const dir = tempDir();
  const log = path.join(dir, 'audit.log');
  let server: ChildProcess;
  let url: string;
  const call = (method: string, urlPath: string, body?: unknown) => request(url, info.token, method, urlPath, body);

  beforeAll(async () => {
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    server = spawn(path.join(BIN_DIR, 'kube-apiserver'), [
      ...apiServerArgs(info.workDir, info.etcd, port, path.join(dir, 'certs')),
      // A storage prefix of its own: this server sees an empty cluster.
      '--etcd-prefix', '/audit-test',
      '--audit-policy-file', path.join(out, 'cluster', 'audit-policy.yaml'),
      '--audit-log-path', log,
      '--audit-log-format', 'json',
    ], { stdio: ['ignore', fs.openSync(path.join(dir, 'kube-apiserver.log'), 'w'), fs.openSync(path.join(dir, 'kube-apiserver.log'), 'a')] });
    for (let i = 0; i < 240; i++) {
      if (server.exitCode !== null) throw new Error(`kube-apiserver with the audit policy exited (${server.exitCode}); see ${dir}/kube-apiserver.log`);
      const ready = await call('GET', '/readyz').catch(() => ({ status: 0 }));
      if (ready.status === 200) return;
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    throw new Error('kube-apiserver with the audit policy did not become ready');
  });

  afterAll(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
  });

  test('Secrets are recorded at Metadata without bodies; RoleBinding changes in a tenant in full; the rest not at all', async () => {
    const ns = 'team-research';
    expect((await call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    expect((await call('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'db' }, stringData: { password: 'do-not-log-me' } })).status).toBe(201);
    const binding = {
      metadata: { name: 'audited' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'someone@company.com' }],
    };
    expect((await call('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding)).status).toBe(201);
    expect((await call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', binding)).status).toBe(201);

    // The log is written asynchronously; wait for the last event we expect.
    let events: any[] = [];
    for (let i = 0; i < 120; i++) {
      events = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(l => l).map(l => JSON.parse(l)) : [];
      if (events.some(e => e.objectRef?.resource === 'rolebindings' && e.objectRef?.namespace === ns)) break;
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    const of = (resource: string, namespace: string) => events.filter(e => e.verb === 'create' && e.objectRef?.resource === resource && e.objectRef?.namespace === namespace);
    expect(of('secrets', ns).map(e => e.level)).toEqual(['Metadata']);
    expect(fs.readFileSync(log, 'utf8')).not.toContain('do-not-log-me');
    expect(of('rolebindings', ns).map(e => e.level)).toEqual(['RequestResponse']);
    expect(of('rolebindings', ns)[0].requestObject.subjects[0].name).toBe('someone@company.com');
    expect(of('rolebindings', 'kube-system')).toEqual([]);
    expect(events.every(e => e.stage !== 'RequestReceived')).toBe(true);
  });
});
