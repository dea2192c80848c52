/**
 * Who the access analysis asks about (the identities the manifests bind or a policy names) and
 * whether the mesh lets each one through the ingress gateway into a namespace.
 */
import { ResolvedKubeflowAuth } from '../../core/auth-options';
import { groupOfHeaderValue } from '../../core/group-header';
import { AuthorizationPolicyManifest, BindingManifest, Manifest, ofKind } from '../../core/manifest';
import { DataPlane, namespaceEnforcement, NamespaceEnforcement } from '../ambient';
import { MeshRequest } from '../mesh';
import { anonymousAdmission, MeshProbe, meshProbes } from '../mesh-probes';
import { Requester, serviceAccountRequester, userRequester } from '../rbac';
import { IdentityAccess } from './model';

export interface Identity { kind: IdentityAccess['kind']; name: string; requester: Requester }

export function isBinding(o: Manifest): o is BindingManifest {
  return o?.kind === 'RoleBinding' || o?.kind === 'ClusterRoleBinding';
}

export function identitiesOf(objects: Manifest[], auth: ResolvedKubeflowAuth): Identity[] {
  const found = new Map<string, Identity>();
  for (const o of objects.filter(isBinding)) {
    for (const s of o.subjects ?? []) {
      const name = String(s.name);
      if (s.kind === 'User') found.set(`User/${name}`, { kind: 'User', name, requester: userRequester(name) });
      if (s.kind === 'Group') found.set(`Group/${name}`, { kind: 'Group', name, requester: { user: '', groups: [name] } });
      if (s.kind === 'ServiceAccount') {
        const namespace = String(s.namespace ?? o.metadata?.namespace);
        const requester = serviceAccountRequester(namespace, name);
        found.set(`ServiceAccount/${namespace}/${name}`, { kind: 'ServiceAccount', name: `${namespace}/${name}`, requester });
      }
    }
  }
  for (const o of objects.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy'))) {
    for (const rule of o.spec?.rules ?? []) {
      for (const condition of rule.when ?? []) {
        const values = (condition.values ?? []).filter(v => v !== '*');
        if (condition.key === `request.headers[${auth.userIdHeader}]`) {
          for (const v of values.filter(x => x.startsWith(auth.userIdPrefix) && !x.includes('*'))) {
            const name = v.slice(auth.userIdPrefix.length);
            found.set(`User/${name}`, { kind: 'User', name, requester: userRequester(name) });
          }
        } else if (condition.key === `request.headers[${auth.groupsHeader}]`) {
          for (const name of new Set(values.map(groupOfHeaderValue).filter((x): x is string => x !== undefined))) {
            found.set(`Group/${name}`, { kind: 'Group', name, requester: { user: '', groups: [name] } });
          }
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => (`${a.kind}/${a.name}` < `${b.kind}/${b.name}` ? -1 : 1));
}

/** What an identity's browser sends through the ingress gateway after the auth proxy (the probe sets method, path and port). */
export type GatewayRequest = Omit<MeshRequest, keyof MeshProbe>;

export function gatewayRequest(identity: Identity, auth: ResolvedKubeflowAuth): GatewayRequest | undefined {
  const headers: Record<string, string> = {};
  if (identity.kind === 'User') headers[auth.userIdHeader.toLowerCase()] = `${auth.userIdPrefix}${identity.name}`;
  else if (identity.kind === 'Group') headers[auth.groupsHeader.toLowerCase()] = identity.name;
  else return undefined; // service accounts do not come through the gateway
  return { principal: auth.ingressGatewayPrincipal, headers };
}

/**
 * A namespace's policies as its workloads enforce them, the requests that probe them, and which
 * gateway identities can be admitted there. Built when the namespace is evaluated and dropped
 * after, so 10,000 namespaces do not hold their translated policies at once.
 */
export interface NamespaceMesh {
  readonly enforcement: NamespaceEnforcement;
  readonly probes: MeshProbe[];
  /** The exact header values (`header\u0000value`) the policies name. */
  readonly headerKeys: string[];
  /** Whether something other than an exact header value may decide (patterns, exclusions, DENY). */
  readonly irregular: boolean;
  /** Whether a gateway request from somebody nobody declared is admitted. */
  readonly open: boolean;
}

export function namespaceMesh(list: AuthorizationPolicyManifest[], auth: ResolvedKubeflowAuth, namespace: string, plane: DataPlane): NamespaceMesh {
  const enforcement = namespaceEnforcement(list, namespace, plane);
  const probes = meshProbes(list);
  if (anonymousAdmission(enforcement, probes, list, auth) !== undefined) {
    return { enforcement, probes, headerKeys: [], irregular: false, open: true };
  }
  let irregular = list.some(p => p.spec?.action === 'DENY');
  const headerKeys: string[] = [];
  for (const rule of list.flatMap(p => p.spec?.rules ?? [])) {
    for (const condition of rule?.when ?? []) {
      const header = /^request\.headers\[(.+)\]$/.exec(String(condition.key ?? ''));
      if (!header) continue;
      if (condition.notValues) irregular = true;
      const groups = header[1].toLowerCase() === auth.groupsHeader.toLowerCase();
      for (const value of condition.values ?? []) {
        // A group's list forms index as the group; any other pattern makes every gateway identity a candidate.
        const exact = (groups ? groupOfHeaderValue(String(value)) : undefined) ?? String(value);
        if (exact.includes('*')) irregular = true;
        headerKeys.push(`${header[1].toLowerCase()}\u0000${exact}`);
      }
    }
  }
  return { enforcement, probes, headerKeys, irregular, open: false };
}
