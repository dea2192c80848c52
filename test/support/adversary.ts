/**
 * The generated adversary: pure helpers that walk the catalog's JSON Schema, attack every leaf
 * with a dictionary of hostile values, build mutants of a small benign catalog (or of Kubeflow
 * Profiles), and judge synthesized output with an oracle computed from the mutated declarations
 * alone. `test/adversary.test.ts` runs them; nothing here synthesizes or touches the disk.
 *
 * Vocabulary:
 * - a *leaf* is a scalar field of the schema, a list of scalars (`…gitOpsIdentities[]`) or a map
 *   (`…resourceQuota{}`, whose keys and values are both attacked), named by its generic path:
 *   `tenants[].networkPolicy.additionalEgress[].cidr`;
 * - a *hostile* value is what the dictionary sets at a leaf, sometimes with sibling changes that
 *   make the attack reach the output (a `cidr` needs its rule's `namespace` removed);
 * - a *mutant* is the base input with one or two hostile values applied at random places;
 * - a *violation* is the oracle's finding that accepted output gives access the declarations
 *   do not; its `rule` and the mutated leaves make its *class*.
 */
import { parse, stringify } from 'yaml';
import { accessMatrix, AccessMatrix } from '../../src/analysis/access';
import { KubeflowAuthOptions, resolveAuth } from '../../src/core/auth-options';
import { withProfileControllerObjects } from '../../src/core/kubeflow-profile';
import {
  AuthorizationPolicyManifest,
  Manifest,
  NetworkPolicyManifest,
  NetworkPolicyPeerSpec,
  SelectorSpec,
} from '../../src/core/manifest';

/* ------------------------------------------------------------------------------------------ */
/* JSON values                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** A parsed YAML/JSON value. */
export type Json = string | number | boolean | null | Json[] | JsonObject;
/** A mapping of a parsed YAML/JSON document. */
export interface JsonObject { [key: string]: Json }

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy (inputs are plain data; NaN and Infinity survive, unlike a JSON round trip). */
export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/* ------------------------------------------------------------------------------------------ */
/* Schema walker                                                                              */
/* ------------------------------------------------------------------------------------------ */

export type LeafType = 'string' | 'number' | 'boolean';

/** One attackable place of the input, as the schema (or the Profile reader) defines it. */
export interface SchemaLeaf {
  /** Generic path: `tenants[].networkPolicy.additionalEgress[].cidr`, `cluster.guard.gitOpsIdentities[]`, `tenants[].resourceQuota{}`. */
  readonly path: string;
  /** The path in parts: property names, `[]` for list items, `{}` for map entries. */
  readonly segments: readonly string[];
  /** Type of the scalar (for lists and maps: of each item or value). */
  readonly type: LeafType;
  /** `scalar` field, `list` of scalars, or `map` of string keys to scalars. */
  readonly shape: 'scalar' | 'list' | 'map';
  /** Allowed values, when the schema lists them (`enum`, `const`). */
  readonly allowed?: readonly Json[];
}

/** The parts of a JSON Schema (draft 7, as `npx projen schema` writes it) the walker reads. */
interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly enum?: Json[];
  readonly const?: Json;
  readonly definitions?: Record<string, SchemaNode>;
}

/** Path text from segments: `a.b[].c{}`. */
export function pathText(segments: readonly string[]): string {
  return segments.reduce((text, s) => (s === '[]' || s === '{}' ? `${text}${s}` : text === '' ? s : `${text}.${s}`), '');
}

/**
 * Every leaf of a JSON Schema, `$ref`s resolved into its `definitions`. Objects with
 * `properties` are walked; an object with only `additionalProperties` is a map leaf; a list of
 * objects is walked through `[]`, a list of scalars is a list leaf.
 */
export function schemaLeaves(schema: SchemaNode): SchemaLeaf[] {
  const definitions = schema.definitions ?? {};
  const resolve = (node: SchemaNode): SchemaNode => {
    let current = node;
    // A chain of references ends in a definition; bounded so a cycle cannot hang the test.
    for (let hops = 0; current.$ref !== undefined; hops++) {
      const name = current.$ref.replace(/^#\/definitions\//, '');
      const target = definitions[name];
      if (target === undefined || hops > 50) throw new Error(`schema: cannot resolve ${current.$ref}`);
      current = target;
    }
    return current;
  };
  const leaves: SchemaLeaf[] = [];
  const scalar = (node: SchemaNode, segments: string[], shape: SchemaLeaf['shape']) => {
    const type = node.type === 'integer' ? 'number' : node.type;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      throw new Error(`schema: ${pathText(segments)} has type ${String(node.type)}; the adversary knows string, number and boolean leaves`);
    }
    const allowed = node.enum ?? (node.const !== undefined ? [node.const] : undefined);
    leaves.push({ path: pathText(segments), segments, type, shape, ...(allowed ? { allowed } : {}) });
  };
  const walk = (raw: SchemaNode, segments: string[]) => {
    if (segments.length > 40) throw new Error(`schema: ${pathText(segments)} nests too deep (a recursive definition?)`);
    const node = resolve(raw);
    if (node.type === 'object' && node.properties !== undefined) {
      for (const [name, child] of Object.entries(node.properties)) walk(child, [...segments, name]);
    } else if (node.type === 'object') {
      const values = typeof node.additionalProperties === 'object' ? resolve(node.additionalProperties) : { type: 'string' };
      scalar(values, [...segments, '{}'], 'map');
    } else if (node.type === 'array') {
      const items = resolve(node.items ?? {});
      if (items.type === 'object') walk(items, [...segments, '[]']);
      else scalar(items, [...segments, '[]'], 'list');
    } else {
      scalar(node, segments, 'scalar');
    }
  };
  walk(schema, []);
  return leaves;
}

/**
 * The leaves of a Kubeflow Profile as `kf-tenancy synth` reads it (src/catalog/profile-reader.ts:
 * `spec.owner`, `spec.contributors`, `spec.plugins`, `spec.resourceQuotaSpec.hard`). Written by
 * hand: the Profile CRD has no `contributors`, and the reader supports a subset of the CRD.
 */
export const PROFILE_LEAVES: SchemaLeaf[] = [
  { segments: ['apiVersion'], type: 'string', shape: 'scalar', allowed: ['kubeflow.org/v1', 'kubeflow.org/v1beta1'] },
  { segments: ['metadata', 'name'], type: 'string', shape: 'scalar' },
  { segments: ['spec', 'owner', 'kind'], type: 'string', shape: 'scalar', allowed: ['User'] },
  { segments: ['spec', 'owner', 'name'], type: 'string', shape: 'scalar' },
  { segments: ['spec', 'contributors', '[]', 'kind'], type: 'string', shape: 'scalar', allowed: ['User', 'Group'] },
  { segments: ['spec', 'contributors', '[]', 'name'], type: 'string', shape: 'scalar' },
  { segments: ['spec', 'contributors', '[]', 'role'], type: 'string', shape: 'scalar', allowed: ['edit', 'view'] },
  { segments: ['spec', 'plugins', '[]', 'kind'], type: 'string', shape: 'scalar', allowed: ['WorkloadIdentity', 'AwsIamForServiceAccount'] },
  { segments: ['spec', 'plugins', '[]', 'spec', 'gcpServiceAccount'], type: 'string', shape: 'scalar' },
  { segments: ['spec', 'plugins', '[]', 'spec', 'awsIamRole'], type: 'string', shape: 'scalar' },
  { segments: ['spec', 'plugins', '[]', 'spec', 'annotateOnly'], type: 'boolean', shape: 'scalar' },
  { segments: ['spec', 'resourceQuotaSpec', 'hard', '{}'], type: 'string', shape: 'map' },
].map(leaf => ({ ...leaf, segments: ['profile', ...leaf.segments], path: pathText(['profile', ...leaf.segments]) } as SchemaLeaf));

/* ------------------------------------------------------------------------------------------ */
/* Leaf patterns                                                                              */
/* ------------------------------------------------------------------------------------------ */

/**
 * Whether a leaf path matches a pattern of the dictionary. `{settings}` is a tenant-settings
 * root (`defaults` or `tenants[]`, which share their shape), `*` any characters but `.`, `**`
 * anything; everything else is literal.
 */
export function leafMatches(pattern: string, path: string): boolean {
  const source = pattern.split(/(\{settings\}|\*\*|\*)/).map(part => {
    if (part === '{settings}') return '(?:defaults|tenants\\[\\])';
    if (part === '**') return '.*';
    if (part === '*') return '[^.]*';
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('');
  return new RegExp(`^${source}$`).test(path);
}

/* ------------------------------------------------------------------------------------------ */
/* The base input                                                                             */
/* ------------------------------------------------------------------------------------------ */

/** A tenant of the base input, as the dictionary uses it to aim at its neighbours. */
export interface BaseTenant {
  readonly name: string;
  readonly owner: string;
  /** User contributors and team-role users. */
  readonly users: readonly string[];
  /** Group contributors and team-role groups. */
  readonly groups: readonly string[];
  readonly gcpServiceAccount?: string;
  readonly awsIamRole?: string;
}

/** The three tenants of every base input. */
export const BASE_TENANTS: readonly BaseTenant[] = [
  { name: 'team-a', owner: 'alice@a.io', users: ['carl@a.io', 'dana@a.io'], groups: ['a-devs@a.io', 'a-scientists'] },
  {
    name: 'team-b',
    owner: 'bob@b.io',
    users: ['bella@b.io'],
    groups: ['b-devs@b.io'],
    gcpServiceAccount: 'team-b@ml-prod.iam.gserviceaccount.com',
    awsIamRole: 'arn:aws:iam::123456789012:role/team-b',
  },
  { name: 'team-c', owner: 'cora@c.io', users: [], groups: [] },
];

/**
 * The benign catalog every mutant starts from: three tenants with owners, a user contributor
 * with role view, a group contributor, a team role with a user and a group, a declared network
 * peer (team-a → team-b on 8080, both sides; team-b → team-a declared by team-b alone), label-based
 * ingress rules no tenant matches yet, cloud identities on team-b, GPU queues for team-a and team-b
 * (one flavor, a cohort tree), defaults, and optionally the tenancy guard.
 */
export function baseCatalog(guard: boolean, only?: readonly string[]): JsonObject {
  const catalog: JsonObject = {
    apiVersion: 'kf-tenancy/v1alpha1',
    kind: 'TenantCatalog',
    cluster: {
      ...(guard ? { guard: {} } : {}),
      kueue: { flavors: [{ name: 'h100', capacity: { 'nvidia.com/gpu': '8' } }], cohorts: [{ name: 'ml' }, { name: 'research', parent: 'ml' }] },
    },
    defaults: { resourceQuota: { cpu: '8', memory: '32Gi' }, auth: { userIdHeader: 'kubeflow-userid' } },
    tenants: [
      {
        name: 'team-a',
        owner: 'alice@a.io',
        contributors: [{ name: 'carl@a.io', role: 'view' }, { name: 'a-devs@a.io', kind: 'Group' }],
        teamRoles: [{ name: 'scientist', preset: 'ml-data-scientist', users: ['dana@a.io'], groups: ['a-scientists'] }],
        networkPolicy: {
          additionalEgress: [{ name: 'to-b', namespace: 'team-b', ports: [{ port: 8080 }] }],
          additionalIngress: [{ name: 'from-ingest', namespaceLabels: { 'example.com/role': 'ingest' } }],
        },
        kueue: { cohort: 'ml', quotas: [{ flavor: 'h100', nominal: { 'nvidia.com/gpu': '2' }, borrowingLimit: { 'nvidia.com/gpu': '2' } }] },
      },
      {
        name: 'team-b',
        owner: 'bob@b.io',
        contributors: [{ name: 'bella@b.io', role: 'view' }, { name: 'b-devs@b.io', kind: 'Group', role: 'edit' }],
        networkPolicy: {
          additionalIngress: [{ name: 'from-a', namespace: 'team-a', ports: [{ port: 8080 }] }],
          // One-sided: team-a does not admit it, so no path, until something else does.
          additionalEgress: [{ name: 'to-a', namespace: 'team-a', ports: [{ port: 9090 }] }],
        },
        plugins: [
          { kind: 'WorkloadIdentity', gcpServiceAccount: 'team-b@ml-prod.iam.gserviceaccount.com' },
          { kind: 'AwsIamForServiceAccount', awsIamRole: 'arn:aws:iam::123456789012:role/team-b' },
        ],
        kueue: { cohort: 'research', quotas: [{ flavor: 'h100', nominal: { 'nvidia.com/gpu': '4' }, lendingLimit: { 'nvidia.com/gpu': '2' } }] },
      },
      {
        name: 'team-c',
        owner: 'cora@c.io',
        networkPolicy: { additionalIngress: [{ name: 'from-ingest', namespaceLabels: { 'example.com/role': 'ingest' } }] },
      },
    ],
  };
  if (only) catalog.tenants = (catalog.tenants as JsonObject[]).filter(t => only.includes(String(t.name)));
  return catalog;
}

/** The base Profiles: the same three tenants as Kubeflow Profiles, one document each. */
export function baseProfiles(): JsonObject[] {
  const profile = (name: string, owner: string, spec: JsonObject): JsonObject => ({
    apiVersion: 'kubeflow.org/v1', kind: 'Profile', metadata: { name }, spec: { owner: { kind: 'User', name: owner }, ...spec },
  });
  return [
    profile('team-a', 'alice@a.io', {
      contributors: [{ kind: 'User', name: 'carl@a.io', role: 'view' }, { kind: 'Group', name: 'a-devs@a.io' }],
      resourceQuotaSpec: { hard: { cpu: '8' } },
    }),
    profile('team-b', 'bob@b.io', {
      contributors: [{ kind: 'User', name: 'bella@b.io', role: 'view' }, { kind: 'Group', name: 'b-devs@b.io' }],
      plugins: [
        { kind: 'WorkloadIdentity', spec: { gcpServiceAccount: 'team-b@ml-prod.iam.gserviceaccount.com' } },
        { kind: 'AwsIamForServiceAccount', spec: { awsIamRole: 'arn:aws:iam::123456789012:role/team-b' } },
      ],
    }),
    profile('team-c', 'cora@c.io', {}),
  ];
}

/* ------------------------------------------------------------------------------------------ */
/* The hostile dictionary                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** Removes a field when given as a sibling value. */
export const DELETE = Symbol('delete');

/**
 * Changes made beside the attacked leaf so the attack reaches the output: a path relative to
 * the object holding the leaf (`namespace`, `../meshMode`; `..` is the enclosing mapping, lists
 * skipped) and its value, or DELETE.
 */
export type Siblings = Record<string, Json | typeof DELETE>;

/** A hostile value for a leaf. */
export type Hostile =
  /** Scalar leaf: the value; list leaf: one item (replaced or appended). */
  | { readonly kind: 'set'; readonly value: Json; readonly also?: Siblings }
  /** List or map leaf: the whole list or map. */
  | { readonly kind: 'whole'; readonly value: Json; readonly also?: Siblings }
  /** Map leaf: one entry. */
  | { readonly kind: 'entry'; readonly key: string; readonly value: Json; readonly also?: Siblings };

const set = (value: Json, also?: Siblings): Hostile => ({ kind: 'set', value, ...(also ? { also } : {}) });
const whole = (value: Json, also?: Siblings): Hostile => ({ kind: 'whole', value, ...(also ? { also } : {}) });
const entry = (key: string, value: Json, also?: Siblings): Hostile => ({ kind: 'entry', key, value, ...(also ? { also } : {}) });

/** Where a mutation lands, for values aimed at the neighbours. */
export interface MutationContext {
  /** The tenant whose subtree (or Profile) holds the leaf; undefined in `defaults` and `cluster`. */
  readonly self?: BaseTenant;
  /** A tenant other than `self`. */
  readonly other: BaseTenant;
}

/** One row of the dictionary: every leaf its pattern matches is attacked with its values. */
export interface MutationEntry {
  readonly pattern: string;
  /** Why these values are hostile here. */
  readonly why: string;
  readonly values: (ctx: MutationContext) => Hostile[];
}

// --- value groups, shared by rows --------------------------------------------------------------

/** Identities that name someone else, everyone, or the platform. */
function hostileIdentities(ctx: MutationContext): string[] {
  const o = ctx.other;
  return [
    o.owner, ...o.users, ...o.groups, o.name,
    `system:serviceaccount:${o.name}:default-editor`, `cluster.local/ns/${o.name}/sa/default-editor`,
    '*', 'bob*', '*@x.io', 'system:authenticated', 'system:serviceaccounts', `system:serviceaccounts:${o.name}`, 'system:masters',
    'System:Authenticated', 'system:anonymous', 'a\u200b@x.io', o.owner.toUpperCase(), ` ${o.owner}`, '', 'a,b@x.io', 'newcomer@x.io',
  ];
}

/** Namespaces of other tenants and of the platform and GitOps tools. */
function hostileNamespaces(ctx: MutationContext): string[] {
  return [ctx.other.name, ...(ctx.self ? [ctx.self.name] : []), 'kube-system', 'kubeflow', 'istio-system', 'flux-system', 'argocd',
    'monitoring', 'default', 'kube-fake', 'Team-B', '', 'registry'];
}

/** Every spelling of the cluster's ranges, and benign neighbours. */
export const HOSTILE_CIDRS = [
  '10.0.0.0/8', '010.0.0.0/8', '10.0.0.1/8', '0x0a.0.0.0/8', '::ffff:10.0.0.0/104', '::ffff:a00:0/104', '10.0.0.0/08', '0.0.0.0/0',
  '10/8', ' 10.0.0.0/8', '012.0.0.0/8', '172.016.0.0/12', '100.064.0.0/10', '::ffff:172.16.0.0/108', '::ffff:0:0/96', '::ffff:0:0/80',
  '::/0', 'fd00::/8', '192.168.1.1/32', '100.64.0.0/10', '203.0.113.0/24', '198.51.100.7/32',
];

/** Header names clients set themselves, spelled every way. */
const HOSTILE_HEADERS = ['user-agent', 'x-forwarded-user', 'x-auth-request-email', 'cookie', ':authority', 'User-Agent', 'X-Forwarded-User',
  'host', 'authorization', 'kubeflow-groups', 'kubeflow-userid', 'x-user', 'sec-fetch-user', ''];

function hostilePrincipals(ctx: MutationContext): string[] {
  return [`cluster.local/ns/${ctx.other.name}/sa/default-editor`, ...(ctx.self ? [`cluster.local/ns/${ctx.self.name}/sa/default-editor`] : []),
    'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account', 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
    '*/ns/kubeflow/sa/ml-pipeline-ui', 'cluster.local/ns/kube-system/sa/default', 'spiffe://cluster.local/ns/istio-system/sa/x', '*', ''];
}

/** Label keys that decide isolation, and the values that flip it. */
const HOSTILE_LABEL_KEYS = ['kf-tenancy.io/shared-services', 'kueue.x-k8s.io/managed', 'kubernetes.io/metadata.name', 'istio-injection', 'istio.io/dataplane-mode',
  'istio.io/use-waypoint', 'pod-security.kubernetes.io/enforce', 'kf-tenancy.io/tenant', 'app.kubernetes.io/part-of',
  'pipelines.kubeflow.org/enabled', 'example.com/role', 'k8s-app', 'app', 'Bad Key', ''];
function hostileLabelValues(ctx: MutationContext): string[] {
  return ['true', ctx.other.name, '', 'kubeflow-profile', 'privileged', 'disabled', 'ingest', 'kube-dns', 'istiod', 'x'.repeat(70)];
}
/**
 * Labels a tenant may put on its own Namespace, each with the value that does harm: another
 * tenant's selector matches it, it claims a name or the guard's label, it leaves the mesh or
 * Pod Security, it removes a label others select by.
 */
function hostileNamespaceLabels(ctx: MutationContext): Array<[string, string]> {
  return [
    ['example.com/role', 'ingest'], ['kf-tenancy.io/shared-services', 'true'], ['kubernetes.io/metadata.name', ctx.other.name],
    ['kf-tenancy.io/tenant', ctx.other.name], ['istio-injection', 'disabled'], ['istio.io/dataplane-mode', 'ambient'],
    ['istio.io/use-waypoint', 'waypoint'], ['istio.io/rev', 'canary'], ['pod-security.kubernetes.io/enforce', 'privileged'],
    ['app.kubernetes.io/part-of', ''], ['pipelines.kubeflow.org/enabled', ''], ['k8s-app', 'kube-dns'], ['app', 'istiod'],
    ['example.com/shared', 'true'], ['Bad Key', 'x'], ['', 'x'], ['team', 'x'.repeat(70)],
  ];
}

const HOSTILE_QUANTITIES = ['-1', '1e400', '2.5', '0', '999999999999999', '1Ei', '1/2', 'NaN', '', ' 4', '0x10', '1e-30'];
const HOSTILE_QUOTA_KEYS = ['gpu', 'nvidia.com/gpu', 'limits.nvidia.com/gpu', 'requests.nvidia.com/gpu', 'pods', 'count/secrets',
  'limits.cpu', 'services.loadbalancers', 'services.nodeports', 'requests.storage', 'cpu', ''];
const HOSTILE_PORTS: Json[] = [0, -1, 65536, 53, 15012, 15008, 15017, 15021, 443, 6443, 1.5, Number.NaN, '8080'];
const HOSTILE_NUMBERS: Json[] = [-1, 0, 1, 1.5, 1e12, 2000000000, Number.NaN, Number.POSITIVE_INFINITY, '1'];
/** Free text: empty, huge, invisible, quoting, templating and path tricks. */
const HOSTILE_TEXT = ['', ' ', 'x'.repeat(300), 'a\u202eb', 'a\nb', '"quoted"', '${HOME}', '$SECRET', '{{ .Values.x }}', '../../etc/passwd',
  'http://user:pw@evil.example', 'javascript:alert(1)', 'kube-system'];

/** Resources a team role must not write without opt-ins, with their API group. */
const DANGEROUS_RESOURCES: ReadonlyArray<readonly [string, string]> = [
  ['rbac.authorization.k8s.io', 'rolebindings'], ['rbac.authorization.k8s.io', 'roles'], ['networking.k8s.io', 'networkpolicies'],
  ['security.istio.io', 'authorizationpolicies'], ['networking.istio.io', 'virtualservices'], ['networking.istio.io', 'envoyfilters'],
  ['networking.istio.io', 'serviceentries'], ['networking.istio.io', 'sidecars'], ['networking.istio.io', 'gateways'],
  ['security.istio.io', 'peerauthentications'], ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
  ['apiextensions.k8s.io', 'customresourcedefinitions'], ['', 'namespaces'], ['', 'serviceaccounts/token'], ['', 'pods/exec'],
  ['', 'secrets'], ['*', '*'],
];
const DANGEROUS_VERBS: ReadonlyArray<readonly string[]> = [['create'], ['update', 'patch'], ['bind'], ['escalate'], ['impersonate'], ['*'],
  ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']];

/** Team-role rules writing what widens access: every dangerous resource with every dangerous verb set. */
function dangerousRules(): JsonObject[] {
  return DANGEROUS_RESOURCES.flatMap(([group, resource]) => DANGEROUS_VERBS.map(verbs => ({
    apiGroups: [group], resources: [resource], verbs: [...verbs],
  })));
}

/** Guard exemptions that name a tenant, its service accounts, or everyone. */
function hostileGuardUsers(): string[] {
  return [...BASE_TENANTS.flatMap(t => [`system:serviceaccount:${t.name}:default-editor`, `system:serviceaccount:${t.name}:default-viewer`, t.owner, ...t.users]),
    'system:serviceaccount:kubeflow:profiles-controller-service-account', 'system:serviceaccount:argocd:argocd-application-controller',
    'system:anonymous', 'system:unsecured', '*', '', 'alice@a.io '];
}
function hostileGuardGroups(): string[] {
  return [...BASE_TENANTS.flatMap(t => [`system:serviceaccounts:${t.name}`, ...t.groups]), 'system:serviceaccounts', 'system:authenticated',
    'system:unauthenticated', 'system:masters', 'kf-tenancy:break-glass', '*', ''];
}

/** The other tenant's cloud identities, and lookalikes. */
function hostileGcp(ctx: MutationContext): string[] {
  return [BASE_TENANTS[1].gcpServiceAccount!, `${ctx.other.name}-x@ml-prod.iam.gserviceaccount.com`, 'TEAM-B@ml-prod.iam.gserviceaccount.com',
    'team-b@ml-prod.iam.gserviceaccount.com ', 'x@evil.example.com', ''];
}
function hostileAws(ctx: MutationContext): string[] {
  return [BASE_TENANTS[1].awsIamRole!, 'arn:aws:iam::123456789012:role/Team-B', 'arn:aws:iam::123456789012:role/team-b/', `arn:aws:iam::123456789012:role/${ctx.other.name}-x`,
    'arn:aws:iam::123456789012:role/*', 'arn:aws-cn:iam::123456789012:role/team-b', ''];
}

/** A reason long enough for `allowEscalation` and the off switches. */
const ESCALATION_REASON = 'The platform team runs its operator here and accepts the risk.';
const OFF_REASON = 'Benchmark tenant, isolated at the node level by the platform team.';
const PRIVILEGED_REASON = 'GPU drivers need host access on these dedicated nodes.';
/** Reasons that are missing, too short, or hostile text. */
const HOSTILE_REASONS = ['', 'because', ' '.repeat(20), 'x'.repeat(300), 'a\u202eb reason for this', 'ok\nkubectl delete ns kube-system'];

const sets = (values: Json[], also?: Siblings) => values.map(v => set(v, also));
const enumValues = (values: Json[]) => sets([...values, 'Nope', '', 1, true]);
const booleans = (also?: Siblings) => sets([true, false, 'false', 0, null], also);

/** A peer rule that is a CIDR rule: the namespace parts removed. */
const CIDR_RULE: Siblings = { namespace: DELETE, namespaceLabels: DELETE, podLabels: DELETE };
/** A peer rule that selects namespaces: the CIDR parts removed. */
const NAMESPACE_RULE: Siblings = { cidr: DELETE, exceptCidrs: DELETE };

/**
 * The dictionary: every leaf of the catalog schema and of the Profile reader is matched by at
 * least one pattern here (a test fails, naming the leaf, when a new field has none).
 */
export const MUTATIONS: MutationEntry[] = [
  // --- the document --------------------------------------------------------------------------
  { pattern: '$schema', why: 'editor hint only: any text must be ignored', values: () => sets([...HOSTILE_TEXT, 'https://evil.example/schema.json']) },
  { pattern: 'apiVersion', why: 'another format version', values: () => sets(['kf-tenancy/v1', 'kubeflow.org/v1', '', 'KF-TENANCY/V1ALPHA1']) },
  { pattern: 'kind', why: 'another kind', values: () => sets(['Profile', 'List', 'tenantcatalog', '']) },

  // --- cluster: profile controller and PriorityClasses -------------------------------------------
  { pattern: 'cluster.profileController', why: 'who writes the owner\'s access', values: () => enumValues(['kubeflow', 'none']) },
  { pattern: 'cluster.profileObjects', why: 'off switch: no Profile for the controller to read', values: () => booleans() },
  { pattern: 'cluster.priorityClassPreset', why: 'preset clashes with custom classes', values: () => enumValues(['ml']) },
  { pattern: 'cluster.priorityClasses[].name', why: 'reserved and clashing names', values: () => sets(['system-node-critical', 'system-cluster-critical', 'high-priority-ml', 'team-a', '', 'Bad_Name']) },
  { pattern: 'cluster.priorityClasses[].value', why: 'outside the user range', values: () => sets([...HOSTILE_NUMBERS, 1000000001, 2000001000]) },
  { pattern: 'cluster.priorityClasses[].globalDefault', why: 'a second global default', values: () => booleans() },
  { pattern: 'cluster.priorityClasses[].preemptionPolicy', why: 'unknown policy', values: () => enumValues(['PreemptLowerPriority', 'Never']) },
  { pattern: 'cluster.priorityClasses[].description', why: 'free text', values: () => sets(HOSTILE_TEXT) },

  // --- cluster: platform pieces --------------------------------------------------------------------
  { pattern: 'cluster.*.namespace', why: 'a tenant\'s or the platform\'s namespace for platform objects', values: ctx => sets(hostileNamespaces(ctx)) },
  { pattern: 'cluster.identityProvider.namespace', why: 'a tenant\'s namespace for Dex', values: ctx => sets(hostileNamespaces(ctx)) },
  { pattern: 'cluster.*.name', why: 'object names', values: ctx => sets([ctx.other.name, 'Bad_Name', '', 'x'.repeat(70), 'kf-tenancy-guard-members']) },
  { pattern: 'cluster.quotaAlerts.*Labels{}', why: 'label injection into alerts', values: ctx => [...HOSTILE_LABEL_KEYS.map(k => entry(k, 'true')), entry('severity', ctx.other.name), entry('__name__', 'x'), whole({})] },
  { pattern: 'cluster.quotaAlerts.*Threshold', why: 'thresholds out of range', values: () => sets([...HOSTILE_NUMBERS, 0.8, 2]) },
  { pattern: 'cluster.quotaAlerts.*For', why: 'durations', values: () => sets(['5m', '0s', '-1m', '1y', '5', '', '5m\nexpr: vector(1)']) },
  { pattern: 'cluster.*.gpuResource', why: 'resource names', values: () => sets(['nvidia.com/gpu', 'requests.nvidia.com/gpu', 'gpu', '', 'a"b']) },
  { pattern: 'cluster.quotaAlerts.namespaceLabelMatcher', why: 'PromQL injection', values: () => sets(['label_app_kubernetes_io_part_of="kubeflow-profile"', 'label_x=~".*"', '} or vector(1) {', '']) },
  { pattern: 'cluster.dashboard.sidecarLabels{}', why: 'labels', values: () => [...HOSTILE_LABEL_KEYS.map(k => entry(k, '1')), whole({})] },
  { pattern: 'cluster.dashboard.title', why: 'free text into JSON', values: () => sets([...HOSTILE_TEXT, '"}, "panels": [']) },
  {
    pattern: 'cluster.readOnlyDashboard.versions[]',
    why: 'no release guarded, unknown releases, with labels too',
    values: () => [
      ...sets(['kubeflow-1', 'dashboard-2', 'Nope', '']), whole([]), set('kubeflow-1', { dashboardLabels: { app: 'centraldashboard' } }),
    ],
  },
  { pattern: 'cluster.readOnlyDashboard.meshMode', why: 'a selector policy no ambient proxy enforces', values: () => [...enumValues(['sidecar', 'ambient']), ...sets(['Ambient', ''])] },
  { pattern: 'cluster.readOnlyDashboard.dashboardService', why: 'targets another Service, or none', values: ctx => sets([ctx.other.name, 'Bad_Name', '', 'x'.repeat(70)], { meshMode: 'ambient' }) },
  { pattern: 'cluster.readOnlyDashboard.waypointName', why: 'admits another workload at ztunnel', values: ctx => sets([ctx.other.name, 'Bad_Name', '', 'x'.repeat(70), 'none'], { meshMode: 'ambient' }) },
  { pattern: 'cluster.readOnlyDashboard.dashboardLabels{}', why: 'selects another workload, or nothing', values: ctx => [...HOSTILE_LABEL_KEYS.map(k => entry(k, 'centraldashboard')), entry('app', ctx.other.name), whole({})] },

  // --- cluster: the tenancy guard ------------------------------------------------------------------
  { pattern: 'cluster.guard.mode', why: 'warn lets everything through', values: () => enumValues(['enforce', 'warn']) },
  { pattern: 'cluster.guard.gitOpsIdentities[]', why: 'exempts a tenant, its service accounts or everyone', values: () => [...sets(hostileGuardUsers()), whole([])] },
  { pattern: 'cluster.guard.profileControllerIdentity', why: 'trusts a tenant\'s service account with the owner\'s policy', values: () => sets(hostileGuardUsers()) },
  { pattern: 'cluster.guard.kueueControllerIdentity', why: 'trusts a tenant\'s service account to rewrite queue specs', values: () => sets(hostileGuardUsers()) },
  { pattern: 'cluster.guard.platformUsers[]', why: 'lets every tenant bind a member of another tenant', values: () => [...sets(hostileGuardUsers()), whole([])] },
  { pattern: 'cluster.guard.breakGlassGroups[]', why: 'exempts a tenant\'s group or every service account', values: () => [...sets(hostileGuardGroups()), whole([])] },
  { pattern: 'cluster.guard.platformGroups[]', why: 'lets every tenant bind another tenant\'s group', values: () => [...sets(hostileGuardGroups()), whole([])] },

  // --- cluster: audit policy -----------------------------------------------------------------------
  { pattern: 'cluster.auditPolicy.otherRequestsLevel', why: 'levels', values: () => enumValues(['None', 'Metadata', 'Request', 'RequestResponse']) },
  { pattern: 'cluster.auditPolicy.webhook.url', why: 'plain http, credentials, not a URL', values: () => sets(['http://audit.example.com', 'https://u:p@audit.example.com', 'file:///etc/passwd', 'not a url', '']) },
  { pattern: 'cluster.auditPolicy.webhook.*File', why: 'paths', values: () => sets(['relative/path.pem', '/etc/kubernetes/pki/ca.crt', '', '../../x', 'a\nb']) },

  // --- cluster: identity provider ------------------------------------------------------------------
  { pattern: 'cluster.identityProvider.issuer', why: 'URLs', values: () => sets(['http://dex.example.com', 'https://u:p@dex.example.com', 'dex', '']) },
  { pattern: 'cluster.identityProvider.secretName', why: 'names', values: () => sets(['Bad_Name', '', 'x'.repeat(70)]) },
  { pattern: 'cluster.identityProvider.configMapName', why: 'names', values: () => sets(['Bad_Name', '', 'dex']) },
  { pattern: 'cluster.identityProvider.*Connectors[].id', why: 'duplicate and malformed connector ids', values: () => sets(['google', 'corp', 'Bad Id', '']) },
  { pattern: 'cluster.identityProvider.*Connectors[].name', why: 'free text', values: () => sets(HOSTILE_TEXT) },
  { pattern: 'cluster.identityProvider.oidcConnectors[].issuer', why: 'URLs', values: () => sets(['http://accounts.google.com', 'https://u:p@x.io', 'x', '']) },
  { pattern: 'cluster.identityProvider.oidcConnectors[].redirectUri', why: 'URLs', values: () => sets(['http://dex.example.com/callback', 'javascript:alert(1)', '']) },
  { pattern: 'cluster.identityProvider.oidcConnectors[].client*', why: 'literal secrets in Git', values: () => sets(['hunter2', '$CLIENT_SECRET', '$lower', '', 'kubeflow']) },
  { pattern: 'cluster.identityProvider.oidcConnectors[].scopes[]', why: 'scopes', values: () => [...sets(['openid', 'groups', 'offline_access', '', 'a b']), whole([])] },
  {
    pattern: 'cluster.identityProvider.oidcConnectors[].groupsKey',
    why: 'groups read from a claim the user chooses',
    values: () => sets([
      'groups', 'email', 'name', 'preferred_username', 'nickname', 'given_name', 'sub', 'roles', '', 'x'.repeat(300),
    ]),
  },
  { pattern: 'cluster.identityProvider.ldapConnectors[].host', why: 'host:port', values: () => sets(['ldap.example.com', 'ldap://x:389', 'x:99999', '']) },
  { pattern: 'cluster.identityProvider.ldapConnectors[].bindPassword', why: 'literal secrets in Git', values: () => sets(['hunter2', '$LDAP_PASSWORD', '']) },
  { pattern: 'cluster.identityProvider.ldapConnectors[].*Dn', why: 'LDAP DNs', values: () => sets(['cn=admin,dc=x', '', '*', ')(uid=*']) },
  { pattern: 'cluster.identityProvider.ldapConnectors[].*Filter', why: 'LDAP filter injection', values: () => sets(['(objectClass=*)', ')(uid=*', '', '(']) },
  { pattern: 'cluster.identityProvider.ldapConnectors[].usernameAttribute', why: 'attributes', values: () => sets(['uid', 'mail', '', '*']) },
  { pattern: 'cluster.identityProvider.staticClients[].id', why: 'duplicate client ids', values: () => sets(['kubeflow-oidc-authservice', 'kubeflow', '', 'a b']) },
  { pattern: 'cluster.identityProvider.staticClients[].name', why: 'free text', values: () => sets(HOSTILE_TEXT) },
  { pattern: 'cluster.identityProvider.staticClients[].redirectUris[]', why: 'URLs', values: () => [...sets(['http://x/cb', 'javascript:alert(1)', '']), whole([])] },
  { pattern: 'cluster.identityProvider.staticClients[].secret', why: 'literal secrets in Git', values: () => sets(['hunter2', '$CLIENT_SECRET', '']) },

  // --- auth: the cluster's (cluster.auth, identityProvider.kubeflowAuth) and each tenant's --------
  ...['{settings}.auth', 'cluster.auth', 'cluster.identityProvider.kubeflowAuth'].flatMap((root): MutationEntry[] => [
    { pattern: `${root}.userIdHeader`, why: 'a header clients set themselves', values: () => sets(HOSTILE_HEADERS) },
    { pattern: `${root}.groupsHeader`, why: 'a header clients set themselves', values: () => sets(HOSTILE_HEADERS) },
    { pattern: `${root}.userIdPrefix`, why: 'prefixes with wildcards and separators', values: () => sets(['accounts.google.com:', '*', 'a,b', ' ', 'x\u200b', '']) },
    { pattern: `${root}.*Principal`, why: 'principals in tenants, the tenant itself, or wildcards', values: ctx => sets(hostilePrincipals(ctx)) },
  ]),

  // --- tenant settings (defaults and each tenant) ---------------------------------------------
  {
    pattern: '{settings}.resourceQuota{}',
    why: 'keys Kubernetes does not enforce, malformed quantities',
    values: () => [
      ...HOSTILE_QUOTA_KEYS.map(k => entry(k, '4')), ...HOSTILE_QUANTITIES.map(q => entry('cpu', q)), ...HOSTILE_QUANTITIES.map(q => entry('requests.nvidia.com/gpu', q)), whole({}),
    ],
  },
  {
    pattern: '{settings}.namespaceLabels{}',
    why: 'labels that decide isolation, or that another tenant\'s rule selects',
    values: ctx => [
      ...hostileNamespaceLabels(ctx).map(([k, v]) => entry(k, v)), whole({}),
    ],
  },
  { pattern: '{settings}.meshMode', why: 'ambient changes who passes the mesh', values: () => enumValues(['sidecar', 'ambient']) },
  {
    pattern: '{settings}.ambient.waypointName',
    why: 'a waypoint named like the ingress gateway\'s service account',
    values: ctx => [
      ...sets([ctx.other.name, 'default-editor', 'Bad_Name', ''], { '../meshMode': 'ambient' }),
      set('istio-ingressgateway-service-account', { '../meshMode': 'ambient', 'waypointNamespace': 'istio-system', 'createWaypoint': false }),
      set('default-editor', { '../meshMode': 'ambient', 'waypointNamespace': ctx.other.name, 'createWaypoint': false }),
      set('ml-pipeline-ui', { '../meshMode': 'ambient', 'waypointNamespace': 'kubeflow', 'createWaypoint': false }),
      set('notebook-controller-service-account', { '../meshMode': 'ambient', 'waypointNamespace': 'kubeflow', 'createWaypoint': false }),
    ],
  },
  { pattern: '{settings}.ambient.waypointNamespace', why: 'a waypoint in another tenant or the platform', values: ctx => sets(hostileNamespaces(ctx), { '../meshMode': 'ambient' }) },
  { pattern: '{settings}.ambient.createWaypoint', why: 'creating a waypoint elsewhere', values: ctx => [...booleans({ '../meshMode': 'ambient' }), set(true, { '../meshMode': 'ambient', 'waypointNamespace': ctx.other.name })] },
  { pattern: '{settings}.istioSecurityApiVersion', why: 'versions', values: () => enumValues(['v1beta1', 'v1']) },
  { pattern: '{settings}.plugins[].kind', why: 'unknown and duplicated plugins', values: () => enumValues(['WorkloadIdentity', 'AwsIamForServiceAccount']) },
  { pattern: '{settings}.plugins[].gcpServiceAccount', why: 'another tenant\'s cloud identity', values: ctx => sets(hostileGcp(ctx), { kind: 'WorkloadIdentity', awsIamRole: DELETE, annotateOnly: DELETE }) },
  { pattern: '{settings}.plugins[].awsIamRole', why: 'another tenant\'s cloud identity', values: ctx => sets(hostileAws(ctx), { kind: 'AwsIamForServiceAccount', gcpServiceAccount: DELETE }) },
  { pattern: '{settings}.plugins[].annotateOnly', why: 'annotate only: the trust policy is not ours to check', values: () => booleans({ kind: 'AwsIamForServiceAccount', gcpServiceAccount: DELETE }) },

  // --- network policy ------------------------------------------------------------------------------
  { pattern: '{settings}.networkPolicy.enabled', why: 'off switch', values: () => [...booleans(), ...booleans({ disabledReason: OFF_REASON })] },
  {
    pattern: '{settings}.networkPolicy.disabledReason',
    why: 'a reason without the switch, or a hostile one',
    values: () => [
      ...sets([OFF_REASON, ...HOSTILE_REASONS]), ...sets([OFF_REASON, ...HOSTILE_REASONS], { enabled: false }),
    ],
  },
  { pattern: '{settings}.networkPolicy.allow*', why: 'allowances on and off', values: () => booleans() },
  { pattern: '{settings}.networkPolicy.*Namespace', why: 'a tenant as the platform\'s namespace', values: ctx => sets(hostileNamespaces(ctx)) },
  {
    pattern: '{settings}.networkPolicy.dnsPodLabels{}',
    why: 'DNS allowance to every pod of the namespace',
    values: ctx => [
      ...HOSTILE_LABEL_KEYS.map(k => entry(k, 'kube-dns')), ...hostileLabelValues(ctx).map(v => entry('k8s-app', v)), whole({}),
    ],
  },
  { pattern: '{settings}.networkPolicy.*Ports[]', why: 'every port (empty list), out of range, mesh ports', values: () => [...sets(HOSTILE_PORTS), whole([])] },
  {
    pattern: '{settings}.networkPolicy.sharedServicesLabel',
    why: 'a label every tenant namespace carries',
    values: () => sets([
      'pipelines.kubeflow.org/enabled', 'app.kubernetes.io/part-of', 'kubernetes.io/metadata.name', 'istio-injection', 'kf-tenancy.io/tenant',
      'katib.kubeflow.org/metrics-collector-injection', 'example.com/role', 'Bad Key', '',
    ]),
  },
  { pattern: '{settings}.networkPolicy.apiServerCidrs[]', why: 'every spelling of a cluster range', values: () => [...sets(HOSTILE_CIDRS), whole([])] },
  {
    pattern: '{settings}.networkPolicy.internetExcept[]',
    why: 'exceptions that miss the cluster when read as Kubernetes does',
    values: () => [
      ...sets(HOSTILE_CIDRS, { allowInternet: true }), whole([], { allowInternet: true }),
      whole(['012.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'], { allowInternet: true }),
    ],
  },
  {
    pattern: 'cluster.clusterCidrs[]',
    why: 'the cluster\'s ranges spelled so the check misses them, or none',
    values: () => [
      ...sets(HOSTILE_CIDRS), whole([]), whole([], { '../defaults/networkPolicy/additionalEgress': [{ name: 'pods', cidr: '10.0.0.0/8' }] }),
      whole(['fc00::/7'], { '../defaults/networkPolicy/allowInternet': true, '../defaults/networkPolicy/internetExcept': [] }),
      whole(['192.0.2.0/24'], { '../defaults/networkPolicy/apiServerCidrs': ['10.96.0.1/32'] }),
    ],
  },
  {
    pattern: '{settings}.networkPolicy.clusterCidrs[]',
    why: 'a cluster range spelled so the check misses it, or none',
    values: () => [
      ...sets(HOSTILE_CIDRS), whole([]), whole([], { additionalEgress: [{ name: 'pods', cidr: '10.0.0.0/8' }] }),
      whole(['::ffff:10.0.0.0/104'], { allowInternet: true, internetExcept: [] }), whole(['fc00::/7'], { allowInternet: true, internetExcept: [] }),
    ],
  },
  { pattern: '{settings}.networkPolicy.additional*[].name', why: 'policy names that clash with the defaults', values: () => sets(['default-deny', 'dns', 'gateway', 'kubeflow', 'istiod', 'internet', 'same-namespace', 'to-b', 'Bad_Name', '', 'x'.repeat(60)]) },
  { pattern: '{settings}.networkPolicy.additional*[].cidr', why: 'every spelling of a cluster range', values: () => sets(HOSTILE_CIDRS, CIDR_RULE) },
  {
    pattern: '{settings}.networkPolicy.additional*[].exceptCidrs[]',
    why: 'exceptions that miss the cluster when read as Kubernetes does',
    values: () => [
      ...sets(HOSTILE_CIDRS, { ...CIDR_RULE, cidr: '0.0.0.0/0' }),
      whole(['012.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], { ...CIDR_RULE, cidr: '0.0.0.0/0' }),
      whole(['10.0.0.0/8', '172.016.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], { ...CIDR_RULE, cidr: '0.0.0.0/0' }),
      whole(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.064.0.0/10'], { ...CIDR_RULE, cidr: '0.0.0.0/0' }),
      whole([], { ...CIDR_RULE, cidr: '0.0.0.0/0' }),
    ],
  },
  { pattern: '{settings}.networkPolicy.additional*[].namespace', why: 'another tenant on one side only, the platform', values: ctx => sets(hostileNamespaces(ctx), NAMESPACE_RULE) },
  {
    pattern: '{settings}.networkPolicy.additional*[].namespaceLabels{}',
    why: 'selectors other tenants match',
    values: ctx => [
      ...hostileNamespaceLabels(ctx).map(([k, v]) => entry(k, v, { ...NAMESPACE_RULE, namespace: DELETE })),
      // Labels every profile namespace carries (Kubeflow's defaults, the mesh's, Pod Security's).
      ...[['pipelines.kubeflow.org/enabled', 'true'], ['app.kubernetes.io/part-of', 'kubeflow-profile'], ['istio-injection', 'enabled'],
        ['katib.kubeflow.org/metrics-collector-injection', 'enabled'], ['serving.kubeflow.org/inferenceservice', 'enabled'],
        ['pod-security.kubernetes.io/enforce', 'baseline']].map(([k, v]) => entry(k, v, { ...NAMESPACE_RULE, namespace: DELETE })),
      // Added to a rule that already names a namespace: the selector then ANDs both.
      entry('kf-tenancy.io/tenant', ctx.other.name), entry('kubernetes.io/metadata.name', ctx.other.name),
      whole({}, { ...NAMESPACE_RULE, namespace: DELETE }),
    ],
  },
  { pattern: '{settings}.networkPolicy.additional*[].podLabels{}', why: 'pod selectors', values: ctx => [...HOSTILE_LABEL_KEYS.map(k => entry(k, ctx.other.name)), whole({})] },
  { pattern: '{settings}.networkPolicy.additional*[].ports[].port', why: 'ports', values: () => sets(HOSTILE_PORTS) },
  { pattern: '{settings}.networkPolicy.additional*[].ports[].protocol', why: 'protocols', values: () => enumValues(['TCP', 'UDP', 'SCTP']) },

  // --- limit range, priority classes, pod security ---------------------------------------------------
  { pattern: '{settings}.limitRange.name', why: 'names', values: () => sets(['default-resources', 'kf-resource-quota', 'Bad_Name', '']) },
  {
    pattern: '{settings}.limitRange.container.*{}',
    why: 'bounds that make every pod ask for GPUs, malformed quantities',
    values: () => [
      ...['cpu', 'memory', 'nvidia.com/gpu', 'ephemeral-storage', 'hugepages-2Mi', 'pods', ''].flatMap(k => ['1', '0', '-1', '1e400', '2.5'].map(q => entry(k, q))), whole({}),
    ],
  },
  { pattern: '{settings}.limitRange.persistentVolumeClaim.*Storage', why: 'quantities', values: () => sets(HOSTILE_QUANTITIES) },
  { pattern: '{settings}.priorityClasses.allowed[]', why: 'system classes and unknown classes', values: () => [...sets(['system-node-critical', 'system-cluster-critical', 'high-priority-ml', 'unknown', '']), whole([])] },
  { pattern: '{settings}.priorityClasses.denied[]', why: 'denying the allowed', values: () => [...sets(['normal-priority-ml', 'system-node-critical', '']), whole([])] },
  { pattern: '{settings}.priorityClasses.maxPods{}', why: 'pod counts', values: () => [...['high-priority-ml', 'system-node-critical', ''].flatMap(k => ['-1', '2.5', '0', '1e400'].map(q => entry(k, q))), whole({})] },
  // Kueue (a tenant's queue; the cluster's flavors and cohorts): hostile quotas and names must be refused, or the
  // queues must stay each tenant's own (the oracle's queue-crosses-tenant).
  { pattern: '{settings}.kueue.cohort', why: 'a cohort nobody declared, another tenant\'s name', values: ctx => sets(['unknown', ctx.other.name, '', 'Bad_Name']) },
  { pattern: '{settings}.kueue.quotas[].flavor', why: 'flavors nobody declared', values: () => sets(['unknown', '', 'Bad_Name', 'x'.repeat(70)]) },
  {
    pattern: '{settings}.kueue.quotas[].*{}',
    why: 'resources Kueue does not own, fractional or huge GPU counts',
    values: () => [...['nvidia.com/gpu', 'cpu', 'gpu', ''].flatMap(k => HOSTILE_QUANTITIES.map(q => entry(k, q))), whole({})],
  },
  { pattern: '{settings}.kueue.fairSharingWeight', why: 'weights', values: () => sets(HOSTILE_QUANTITIES) },
  { pattern: 'cluster.kueue.flavors[].name', why: 'flavor names', values: ctx => sets([ctx.other.name, '', 'Bad_Name', 'x'.repeat(70)]) },
  { pattern: 'cluster.kueue.flavors[].nodeLabels{}', why: 'labels that select other nodes', values: () => [...HOSTILE_LABEL_KEYS.map(k => entry(k, 'true')), whole({})] },
  {
    pattern: 'cluster.kueue.flavors[].capacity{}',
    why: 'capacity of resources Kueue does not own, malformed quantities',
    values: () => [...['nvidia.com/gpu', 'cpu', ''].flatMap(k => HOSTILE_QUANTITIES.map(q => entry(k, q))), whole({})],
  },
  { pattern: 'cluster.kueue.cohorts[].name', why: 'cohort names', values: ctx => sets([ctx.other.name, '', 'Bad_Name']) },
  { pattern: 'cluster.kueue.cohorts[].parent', why: 'unknown parents, itself', values: () => sets(['unknown', '', 'Bad_Name']) },
  { pattern: 'cluster.kueue.resources[]', why: 'resources Kueue does not own, malformed names', values: () => [...sets(['cpu', 'nvidia.com/gpu', 'gpu', '', 'a/b/c']), whole([])] },
  { pattern: 'cluster.kueue.flavors[].*[].key', why: 'taint keys: malformed, the tenant label', values: () => sets([...HOSTILE_LABEL_KEYS, '', 'a b']) },
  { pattern: 'cluster.kueue.flavors[].*[].value', why: 'taint values', values: () => sets(['', 'a b', 'x'.repeat(70), '*']) },
  { pattern: 'cluster.kueue.flavors[].*[].effect', why: 'effects', values: () => [...enumValues(['NoSchedule', 'PreferNoSchedule', 'NoExecute']), ...sets(['noschedule', '', 'Evict'])] },
  { pattern: 'cluster.kueue.alsoCappedByResourceQuota[]', why: 'resources Kueue does not own', values: () => [...sets(['cpu', 'nvidia.com/gpu', '', 'requests.nvidia.com/gpu']), whole([])] },
  { pattern: '{settings}.kueue.preemption.withinQueue', why: 'policies', values: () => [...enumValues(['Never', 'LowerPriority', 'LowerOrNewerEqualPriority']), ...sets(['Any', 'never', ''])] },
  { pattern: '{settings}.kueue.preemption.reclaimWithinCohort', why: 'policies', values: () => [...enumValues(['Never', 'LowerPriority', 'Any']), ...sets(['Always', 'any', ''])] },
  { pattern: '{settings}.podSecurity.enabled', why: 'off switch', values: () => [...booleans(), ...booleans({ disabledReason: OFF_REASON })] },
  {
    pattern: '{settings}.podSecurity.disabledReason',
    why: 'a reason without the switch, or a hostile one',
    values: () => [
      ...sets([OFF_REASON, ...HOSTILE_REASONS]), ...sets([OFF_REASON, ...HOSTILE_REASONS], { enabled: false }),
    ],
  },
  { pattern: '{settings}.podSecurity.enforce', why: 'privileged', values: () => [...enumValues(['privileged', 'baseline', 'restricted']), set('privileged', { privilegedReason: PRIVILEGED_REASON })] },
  { pattern: '{settings}.podSecurity.warn', why: 'levels', values: () => enumValues(['privileged', 'baseline', 'restricted']) },
  { pattern: '{settings}.podSecurity.audit', why: 'levels', values: () => enumValues(['privileged', 'baseline', 'restricted']) },
  { pattern: '{settings}.podSecurity.privilegedReason', why: 'free text into an annotation', values: () => [...sets([...HOSTILE_TEXT, ...HOSTILE_REASONS, PRIVILEGED_REASON], { enforce: 'privileged' }), set(PRIVILEGED_REASON)] },

  // --- team roles ----------------------------------------------------------------------------------
  {
    pattern: '{settings}.teamRoles[].name',
    why: 'names clashing with Kubeflow\'s roles and bindings',
    values: () => sets(['namespaceadmin', 'default-editor', 'default-viewer', 'kubeflow-edit', 'user-carl-a-io-clusterrole-view',
      'user-bella-b-io-clusterrole-view', 'group-a-devs-a-io-clusterrole-edit', 'scientist', 'Bad_Name', '']),
  },
  { pattern: '{settings}.teamRoles[].preset', why: 'presets', values: () => enumValues(['ml-data-scientist', 'ml-engineer']) },
  {
    pattern: '{settings}.teamRoles[].rules[].apiGroups[]',
    why: 'every group, and the groups of policy objects',
    values: () => [
      ...sets(['*', '', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'security.istio.io', 'networking.istio.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io']),
      whole(['*'], { 'resources': ['*'], 'verbs': ['*'], '../allowWildcards': true }), whole([]),
    ],
  },
  {
    pattern: '{settings}.teamRoles[].rules[].resources[]',
    why: 'rules writing what widens access',
    values: () => [
      ...dangerousRules().map(rule => whole(rule.resources, { apiGroups: rule.apiGroups, verbs: rule.verbs })),
      ...dangerousRules().filter(rule => JSON.stringify(rule).includes('*')).map(rule => whole(rule.resources, { 'apiGroups': rule.apiGroups, 'verbs': rule.verbs, '../allowWildcards': true })),
      whole([]),
    ],
  },
  {
    pattern: '{settings}.teamRoles[].rules[].verbs[]',
    why: 'escalating verbs',
    values: () => [
      ...DANGEROUS_VERBS.flatMap(verbs => DANGEROUS_RESOURCES.slice(0, 4)
        .map(([group, resource]) => whole([...verbs], { apiGroups: [group], resources: [resource] }))),
      whole(['*'], { 'apiGroups': ['rbac.authorization.k8s.io'], 'resources': ['rolebindings'], '../allowWildcards': true }),
      whole([]),
    ],
  },
  {
    pattern: '{settings}.teamRoles[].rules[].resourceNames[]',
    why: 'names of Kubeflow\'s own objects',
    values: () => [
      ...sets(['namespaceAdmin', 'default-editor', 'default-deny', 'ns-owner-access-istio', '*', '']), whole([]),
    ],
  },
  { pattern: '{settings}.teamRoles[].users[]', why: 'other tenants\' people, everyone, service accounts', values: ctx => [...sets(hostileIdentities(ctx)), whole([])] },
  { pattern: '{settings}.teamRoles[].groups[]', why: 'other tenants\' groups, system groups', values: ctx => [...sets(hostileIdentities(ctx)), whole([])] },
  {
    pattern: '{settings}.teamRoles[].allowWildcards',
    why: 'opt-in that must not also grant escalation',
    values: () => [
      ...booleans(), set(true, { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }),
      set(true, { rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: ['create', 'update', 'patch'] }] }),
    ],
  },
  { pattern: '{settings}.teamRoles[].allowSecretWrites', why: 'opt-in', values: () => [...booleans(), set(true, { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'patch', 'delete'] }] })] },
  {
    pattern: '{settings}.teamRoles[].allowEscalation',
    why: 'off switch for the escalation checks',
    values: () => [
      ...booleans(), ...booleans({ escalationReason: ESCALATION_REASON }),
      set(true, { escalationReason: ESCALATION_REASON, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create', 'bind'] }] }),
    ],
  },
  {
    pattern: '{settings}.teamRoles[].escalationReason',
    why: 'a reason without the switch, an empty or hostile reason',
    values: () => [
      ...sets([...HOSTILE_TEXT, ESCALATION_REASON]), ...sets(HOSTILE_REASONS, { allowEscalation: true }),
      set(ESCALATION_REASON, { allowEscalation: true, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: ['create', 'update', 'patch'] }] }),
    ],
  },

  // --- tenant identity ---------------------------------------------------------------------------
  { pattern: 'tenants[].name', why: 'another tenant, the platform, malformed names', values: ctx => sets([...hostileNamespaces(ctx), 'oauth2-proxy', 'kube-team', 'x'.repeat(64), 'team_a', 'true', 'enabled']) },
  { pattern: 'tenants[].owner', why: 'another tenant\'s member, everyone, a service account', values: ctx => sets(hostileIdentities(ctx)) },
  { pattern: 'tenants[].contributors[].name', why: 'another tenant\'s member, everyone, a service account', values: ctx => sets(hostileIdentities(ctx)) },
  { pattern: 'tenants[].contributors[].kind', why: 'kinds', values: () => enumValues(['User', 'Group']) },
  { pattern: 'tenants[].contributors[].role', why: 'roles beyond edit', values: () => sets(['edit', 'view', 'admin', 'Edit', 'cluster-admin', '']) },

  // --- Kubeflow Profile input ---------------------------------------------------------------------
  { pattern: 'profile.apiVersion', why: 'versions', values: () => sets(['kubeflow.org/v1', 'kubeflow.org/v1beta1', 'kubeflow.org/v2', 'kf-tenancy/v1alpha1', '']) },
  { pattern: 'profile.metadata.name', why: 'another tenant, the platform, malformed names', values: ctx => sets([...hostileNamespaces(ctx), 'oauth2-proxy', 'x'.repeat(64), 'true']) },
  { pattern: 'profile.spec.owner.kind', why: 'a group or service account as owner', values: () => sets(['User', 'Group', 'ServiceAccount', '', 'user']) },
  { pattern: 'profile.spec.owner.name', why: 'another tenant\'s member, everyone, a service account', values: ctx => sets(hostileIdentities(ctx)) },
  { pattern: 'profile.spec.contributors[].kind', why: 'kinds', values: () => sets(['User', 'Group', 'ServiceAccount', '', 7]) },
  { pattern: 'profile.spec.contributors[].name', why: 'another tenant\'s member, everyone, a service account', values: ctx => sets([...hostileIdentities(ctx), 42, true]) },
  { pattern: 'profile.spec.contributors[].role', why: 'roles beyond edit', values: () => sets(['edit', 'view', 'admin', 'Edit', '', null]) },
  { pattern: 'profile.spec.plugins[].kind', why: 'unknown and duplicated plugins', values: () => sets(['WorkloadIdentity', 'AwsIamForServiceAccount', 'Istio', '', 3]) },
  { pattern: 'profile.spec.plugins[].spec.gcpServiceAccount', why: 'another tenant\'s cloud identity', values: ctx => sets([...hostileGcp(ctx), 12], { '../kind': 'WorkloadIdentity' }) },
  { pattern: 'profile.spec.plugins[].spec.awsIamRole', why: 'another tenant\'s cloud identity', values: ctx => sets([...hostileAws(ctx), 12], { '../kind': 'AwsIamForServiceAccount' }) },
  { pattern: 'profile.spec.plugins[].spec.annotateOnly', why: 'types', values: () => sets([true, false, 'yes', 1], { '../kind': 'AwsIamForServiceAccount', 'awsIamRole': 'arn:aws:iam::123456789012:role/annotate' }) },
  {
    pattern: 'profile.spec.resourceQuotaSpec.hard{}',
    why: 'keys Kubernetes does not enforce, malformed quantities',
    values: () => [
      ...HOSTILE_QUOTA_KEYS.map(k => entry(k, '4')), ...HOSTILE_QUANTITIES.map(q => entry('cpu', q)), entry('cpu', 4), entry('pods', true), whole({}),
    ],
  },
];

/** The dictionary rows that attack `leaf`. */
export function entriesFor(leaf: SchemaLeaf): MutationEntry[] {
  return MUTATIONS.filter(row => leafMatches(row.pattern, leaf.path));
}

/** Every hostile value for `leaf` in `ctx`, across its rows. */
export function hostileValues(leaf: SchemaLeaf, ctx: MutationContext): Hostile[] {
  const fits: Record<SchemaLeaf['shape'], Array<Hostile['kind']>> = { scalar: ['set'], list: ['set', 'whole'], map: ['entry', 'whole'] };
  return entriesFor(leaf).flatMap(row => row.values(ctx)).filter(h => fits[leaf.shape].includes(h.kind));
}

/* ------------------------------------------------------------------------------------------ */
/* Mutant builder                                                                             */
/* ------------------------------------------------------------------------------------------ */

/**
 * Objects the builder creates on the way to a leaf, where `{}` would not do: list items with
 * their required fields, and objects that need some. `leaf` is the path being attacked, so a
 * peer rule attacked on its `cidr` starts as a CIDR rule.
 */
const TEMPLATES: Array<{ readonly pattern: string; readonly make: (leaf: string, ctx: MutationContext) => JsonObject }> = [
  { pattern: 'cluster.priorityClasses[]', make: () => ({ name: 'adversary-class', value: 1000 }) },
  {
    pattern: 'cluster.identityProvider',
    make: () => ({ issuer: 'https://dex.example.com', secretName: 'dex-secrets', oidcConnectors: [oidcConnector('google')] }),
  },
  { pattern: 'cluster.identityProvider.oidcConnectors[]', make: () => oidcConnector('adversary') },
  {
    pattern: 'cluster.identityProvider.ldapConnectors[]',
    make: () => ({ id: 'corp', name: 'Corp', host: 'ldap.example.com:636', bindDn: 'cn=dex,dc=example,dc=com', bindPassword: '$LDAP_PASSWORD', userBaseDn: 'ou=people,dc=example,dc=com' }),
  },
  {
    pattern: 'cluster.identityProvider.staticClients[]',
    make: () => ({ id: 'kubeflow', name: 'Kubeflow', redirectUris: ['https://kubeflow.example.com/oauth2/callback'], secret: '$CLIENT_SECRET' }),
  },
  { pattern: 'cluster.auditPolicy.webhook', make: () => ({ url: 'https://audit.example.com/events' }) },
  {
    pattern: '{settings}.plugins[]',
    make: (leaf, ctx): JsonObject => (leaf.endsWith('gcpServiceAccount') || leaf.endsWith('kind')
      ? { kind: 'WorkloadIdentity', gcpServiceAccount: `${ctx.self?.name ?? 'defaults'}@ml-prod.iam.gserviceaccount.com` }
      : { kind: 'AwsIamForServiceAccount', awsIamRole: `arn:aws:iam::123456789012:role/${ctx.self?.name ?? 'defaults'}` }),
  },
  {
    pattern: '{settings}.networkPolicy.additional*[]',
    make: (leaf): JsonObject => (/\.(cidr|exceptCidrs\[\])$/.test(leaf) ? { name: 'external', cidr: '203.0.113.0/24' } : { name: 'registry', namespace: 'registry' }),
  },
  { pattern: '{settings}.networkPolicy.additional*[].ports[]', make: () => ({ port: 5432 }) },
  { pattern: '{settings}.priorityClasses', make: () => ({ allowed: ['normal-priority-ml'] }) },
  { pattern: '{settings}.teamRoles[]', make: () => ({ name: 'adversary', preset: 'ml-data-scientist', users: ['newcomer@x.io'] }) },
  { pattern: '{settings}.teamRoles[].rules[]', make: () => ({ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }) },
  { pattern: 'tenants[].contributors[]', make: () => ({ name: 'newcomer@x.io' }) },
  { pattern: 'profile.spec.contributors[]', make: () => ({ kind: 'User', name: 'newcomer@x.io' }) },
  {
    pattern: 'profile.spec.plugins[]',
    make: (leaf, ctx): JsonObject => (leaf.endsWith('gcpServiceAccount')
      ? { kind: 'WorkloadIdentity', spec: { gcpServiceAccount: `${ctx.self?.name ?? 'x'}@ml-prod.iam.gserviceaccount.com` } }
      : { kind: 'AwsIamForServiceAccount', spec: { awsIamRole: `arn:aws:iam::123456789012:role/${ctx.self?.name ?? 'x'}` } }),
  },
];

function oidcConnector(id: string): JsonObject {
  return { id, name: 'Google', issuer: 'https://accounts.google.com', clientId: 'kubeflow', clientSecret: '$GOOGLE_CLIENT_SECRET', redirectUri: 'https://dex.example.com/callback' };
}

function template(genericPath: string, leaf: string, ctx: MutationContext): JsonObject {
  const found = TEMPLATES.find(t => leafMatches(t.pattern, genericPath));
  return found ? found.make(leaf, ctx) : {};
}

/** Where, among several, a mutation lands: which tenant, and which item of each list on the way. */
export interface Placement {
  /** Picks the tenant (modulo their number). */
  readonly tenant: number;
  /** Picks list items on the way; equal to the length means a new item. */
  readonly item: number;
}

/** One applied mutation, as the reports show it. */
export interface AppliedMutation {
  /** The generic leaf path (the class of the mutation). */
  readonly leaf: string;
  /** The concrete path, e.g. `tenants[1].networkPolicy.additionalEgress[0].cidr`. */
  readonly at: string;
  readonly hostile: Hostile;
}

/** Applies sibling changes relative to `holder`; `stack` holds the enclosing mappings, innermost last. */
function applySiblings(stack: JsonObject[], siblings: Siblings | undefined): void {
  for (const [relative, value] of Object.entries(siblings ?? {})) {
    const parts = relative.split('/');
    let level = stack.length - 1;
    while (parts[0] === '..') {
      parts.shift();
      level = Math.max(0, level - 1);
    }
    let target = stack[level];
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      target = isObject(next) ? next : (target[part] = {});
    }
    const last = parts[parts.length - 1];
    if (value === DELETE) delete target[last];
    else target[last] = clone(value);
  }
}

function describeHostile(hostile: Hostile): string {
  const shown = (v: Json) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v));
  const also = hostile.also ? ` (with ${Object.entries(hostile.also).map(([k, v]) => `${k}=${v === DELETE ? 'deleted' : shown(v)}`).join(', ')})` : '';
  if (hostile.kind === 'entry') return `{${JSON.stringify(hostile.key)}: ${shown(hostile.value)}}${also}`;
  return `${hostile.kind === 'whole' ? 'whole ' : ''}${shown(hostile.value)}${also}`;
}

/** A one-line description of an applied mutation. */
export function describeMutation(m: AppliedMutation): string {
  return `${m.at} = ${describeHostile(m.hostile)}`;
}

/**
 * Sets `hostile` at `leaf` of `doc` (changed in place), creating what is missing on the way;
 * `root` names the document's top (`''` for a catalog, `profile` for a Profile, whose leaves
 * start with `profile`). Returns what was applied.
 */
export function applyMutation(doc: JsonObject, leaf: SchemaLeaf, hostile: Hostile, placement: Placement, ctx: MutationContext): AppliedMutation {
  const segments = leaf.segments[0] === 'profile' ? leaf.segments.slice(1) : [...leaf.segments];
  const genericPrefix = leaf.segments[0] === 'profile' ? ['profile'] : [];
  const stack: JsonObject[] = [doc];
  const at: string[] = [...genericPrefix];
  let node: JsonObject = doc;
  // The last one or two segments name the field changed: `field`, `field[]` or `field{}`.
  const fieldIndex = leaf.shape === 'scalar' ? segments.length - 1 : segments.length - 2;
  for (let i = 0; i < fieldIndex; i++) {
    const name = segments[i];
    if (name === '[]') continue; // handled with the list's name
    const generic = pathText([...genericPrefix, ...segments.slice(0, i + 1)]);
    if (segments[i + 1] === '[]') {
      const list = Array.isArray(node[name]) ? node[name] as Json[] : (node[name] = []);
      const isTenants = generic === 'tenants';
      const index = isTenants ? placement.tenant % Math.max(1, list.length) : placement.item % (list.length + 1);
      if (index >= list.length || !isObject(list[index])) list[index] = template(`${generic}[]`, leaf.path, ctx);
      node = list[index] as JsonObject;
      at.push(`${name}[${index}]`);
    } else {
      const next = node[name];
      node = isObject(next) ? next : (node[name] = template(generic, leaf.path, ctx));
      at.push(name);
    }
    stack.push(node);
  }
  const field = segments[fieldIndex];
  switch (leaf.shape) {
    case 'scalar':
      if (hostile.kind === 'set') node[field] = clone(hostile.value);
      at.push(field);
      break;
    case 'list': {
      if (hostile.kind === 'whole') {
        node[field] = clone(hostile.value);
        at.push(field);
      } else if (hostile.kind === 'set') {
        const list = Array.isArray(node[field]) ? node[field] as Json[] : (node[field] = []);
        const index = placement.item % (list.length + 1);
        list[index] = clone(hostile.value);
        at.push(`${field}[${index}]`);
      }
      break;
    }
    case 'map':
      if (hostile.kind === 'whole') node[field] = clone(hostile.value);
      else if (hostile.kind === 'entry') node[field] = { ...(isObject(node[field]) ? node[field] as JsonObject : {}), [hostile.key]: clone(hostile.value) };
      at.push(field);
      break;
  }
  applySiblings(stack, hostile.also);
  return { leaf: leaf.path, at: at.join('.'), hostile };
}

/**
 * The context of a mutation at `leaf` placed by `placement`, when the leaf's document holds
 * `tenants` (in order): the tenant it lands in, and a neighbour to aim at.
 */
export function contextFor(leaf: SchemaLeaf, placement: Placement, tenants: readonly BaseTenant[] = BASE_TENANTS): MutationContext {
  const inTenant = leaf.path.startsWith('tenants[]') || leaf.path.startsWith('profile.');
  const self = inTenant && tenants.length > 0 ? tenants[placement.tenant % tenants.length] : undefined;
  // The neighbour aimed at: another tenant of the run (in any of its files), picked by the placement.
  const others = BASE_TENANTS.filter(t => t !== self);
  const other = others[(inTenant ? placement.item : placement.tenant) % others.length];
  return { self, other };
}

/**
 * The inputs a mutant starts from: one catalog, the Profiles, or both in one run (a catalog with
 * team-a and team-b and the cluster section, and team-c as a Profile): checks across files.
 */
export type InputKind = 'catalog' | 'profiles' | 'mixed';

/** What a mutant is: its input files' text, its documents as data, and what was changed. */
export interface Mutant {
  readonly input: InputKind;
  /** The mutated documents: a catalog and/or Profiles. */
  readonly documents: JsonObject[];
  /** The input files (name and YAML text), as synth reads them. */
  readonly files: Array<{ readonly name: string; readonly text: string }>;
  readonly mutations: AppliedMutation[];
}

/** A mutation to make: which leaf, which of its hostile values, where. */
export interface MutationChoice {
  readonly leaf: number;
  readonly value: number;
  readonly placement: Placement;
}

/** The leaves a mutant of `input` attacks. */
export function leavesFor(input: InputKind, catalogLeaves: readonly SchemaLeaf[]): SchemaLeaf[] {
  return input === 'catalog' ? [...catalogLeaves] : input === 'profiles' ? [...PROFILE_LEAVES] : [...catalogLeaves, ...PROFILE_LEAVES];
}

/**
 * Builds a mutant: the base input (with or without the guard), each choice applied in turn
 * (indices taken modulo the number of leaves and values; leaves without a hostile value are
 * skipped, the dictionary test names them).
 */
export function buildMutant(input: InputKind, guard: boolean, choices: readonly MutationChoice[], leaves: readonly SchemaLeaf[]): Mutant {
  const byName = (names: string[]) => BASE_TENANTS.filter(t => names.includes(t.name));
  const catalogNames = input === 'mixed' ? ['team-a', 'team-b'] : BASE_TENANTS.map(t => t.name);
  const profileNames = input === 'mixed' ? ['team-c'] : BASE_TENANTS.map(t => t.name);
  const catalog = input === 'profiles' ? undefined : baseCatalog(guard, catalogNames);
  const profiles = input === 'catalog' ? [] : baseProfiles().filter(p => profileNames.includes(String((p.metadata as JsonObject).name)));
  const mutations: AppliedMutation[] = [];
  for (const choice of choices) {
    const leaf = leaves[choice.leaf % leaves.length];
    const isProfileLeaf = leaf.path.startsWith('profile.');
    const doc = isProfileLeaf ? profiles[choice.placement.tenant % profiles.length] : catalog;
    if (doc === undefined) continue;
    const ctx = contextFor(leaf, choice.placement, byName(isProfileLeaf ? profileNames : catalogNames));
    const values = hostileValues(leaf, ctx);
    if (values.length === 0) continue;
    const hostile = values[choice.value % values.length];
    const applied = applyMutation(doc, leaf, hostile, choice.placement, ctx);
    mutations.push(isProfileLeaf ? { ...applied, at: applied.at.replace(/^profile/, `profile[${ctx.self?.name ?? '?'}]`) } : applied);
  }
  const files = [
    ...(catalog ? [{ name: 'tenants.yaml', text: stringify(catalog) }] : []),
    ...(profiles.length > 0 ? [{ name: 'profiles.yaml', text: profiles.map(d => stringify(d)).join('---\n') }] : []),
  ];
  return { input, documents: [...(catalog ? [catalog] : []), ...profiles], files, mutations };
}

/* ------------------------------------------------------------------------------------------ */
/* Declarations: what the mutated input says, read independently of src/                     */
/* ------------------------------------------------------------------------------------------ */

/** A contributor as declared. */
export interface DeclaredMember {
  readonly name: string;
  readonly kind: 'User' | 'Group';
  readonly role: 'edit' | 'view';
}

/** What one tenant declares, after defaults are merged in. */
export interface DeclaredTenant {
  readonly name: string;
  readonly owner: string;
  readonly contributors: DeclaredMember[];
  /** Team roles: who holds them and whether escalation was accepted. */
  readonly teamRoles: Array<{ readonly users: string[]; readonly groups: string[]; readonly escalation: boolean }>;
  /** `networkPolicy.enabled: false`: the tenant asked for no network isolation. */
  readonly networkOff: boolean;
  /** Namespaces named by its `additionalIngress` and `additionalEgress` rules. */
  readonly ingressFrom: string[];
  readonly egressTo: string[];
  /** Its `networkPolicy.clusterCidrs`, else the cluster's, if declared. */
  readonly clusterCidrs?: Json[];
  /** Its auth settings (for the access matrix), the cluster's applied over its own. */
  readonly auth: JsonObject;
  /** The cluster's auth alone (`cluster.auth`, the identity provider's), which says what the proxy sets. */
  readonly clusterAuth: JsonObject;
}

/** The catalog's merge: mappings key by key at every depth (the tenant wins), lists and scalars replaced. */
export function mergeDefaults(defaults: Json | undefined, tenant: Json): Json {
  if (!isObject(defaults) || !isObject(tenant)) return tenant === undefined ? (defaults ?? null) : tenant;
  const merged: JsonObject = { ...defaults };
  for (const [key, value] of Object.entries(tenant)) merged[key] = key in defaults ? mergeDefaults(defaults[key], value) : value;
  return merged;
}

/** A boolean as the schema check coerces it (`"false"`, `0` and `null` are false). */
function asBoolean(value: Json | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value === true || value === 'true' || value === 1;
}

const strings = (value: Json | undefined): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Namespaces a list of peer rules names, by `namespace` or by the name label. */
function namedPeers(rules: Json | undefined): string[] {
  if (!Array.isArray(rules)) return [];
  return rules.filter(isObject).flatMap(rule => {
    const labels = isObject(rule.namespaceLabels) ? rule.namespaceLabels : {};
    // By name: the namespace field, or a label that carries the name (Kubernetes' own, the guard's).
    return [rule.namespace, labels['kubernetes.io/metadata.name'], labels['kf-tenancy.io/tenant']].filter((n): n is string => typeof n === 'string');
  });
}

function declaredTenant(raw: JsonObject): DeclaredTenant {
  const network = isObject(raw.networkPolicy) ? raw.networkPolicy : {};
  const contributors = (Array.isArray(raw.contributors) ? raw.contributors : []).filter(isObject).map(c => ({
    name: String(c.name),
    kind: c.kind === 'Group' ? 'Group' as const : 'User' as const,
    role: c.role === 'view' ? 'view' as const : 'edit' as const,
  }));
  const teamRoles = (Array.isArray(raw.teamRoles) ? raw.teamRoles : []).filter(isObject).map(r => ({
    users: strings(r.users), groups: strings(r.groups), escalation: asBoolean(r.allowEscalation, false),
  }));
  return {
    name: String(raw.name),
    owner: String(raw.owner),
    contributors,
    teamRoles,
    networkOff: !asBoolean(network.enabled, true),
    ingressFrom: namedPeers(network.additionalIngress),
    egressTo: namedPeers(network.additionalEgress),
    ...(Array.isArray(network.clusterCidrs) ? { clusterCidrs: network.clusterCidrs } : {}),
    auth: isObject(raw.auth) ? raw.auth : {},
    clusterAuth: {},
  };
}

/**
 * The tenants a mutant declares, read from its documents the way docs/catalog.md describes them:
 * catalog tenants with the defaults merged in; Profiles with their owner and contributors; the
 * cluster's facts (`cluster.auth` over the identity provider's `kubeflowAuth`, `cluster.clusterCidrs`)
 * shared by every tenant of the run, whichever file declares it.
 */
export function declarations(mutant: Mutant): DeclaredTenant[] {
  const catalogs = mutant.documents.filter(d => d.kind === 'TenantCatalog');
  const cluster = catalogs.map(c => c.cluster).find(isObject) ?? {};
  const provider = isObject(cluster.identityProvider) ? cluster.identityProvider : undefined;
  const clusterAuth: JsonObject = {
    ...(provider && isObject(provider.kubeflowAuth) ? provider.kubeflowAuth : {}),
    ...(isObject(cluster.auth) ? cluster.auth : {}),
  };
  const clusterCidrs = Array.isArray(cluster.clusterCidrs) ? cluster.clusterCidrs : undefined;
  const withFacts = (tenant: DeclaredTenant): DeclaredTenant => ({
    ...tenant,
    auth: { ...tenant.auth, ...clusterAuth },
    clusterAuth,
    ...(tenant.clusterCidrs === undefined && clusterCidrs !== undefined ? { clusterCidrs } : {}),
  });
  const fromCatalogs = catalogs.flatMap(catalog => (Array.isArray(catalog.tenants) ? catalog.tenants : []).filter(isObject)
    .map(tenant => declaredTenant(mergeDefaults(catalog.defaults, tenant) as JsonObject)));
  const fromProfiles = mutant.documents.filter(d => d.kind === 'Profile').map(doc => {
    const spec = isObject(doc.spec) ? doc.spec : {};
    const owner = isObject(spec.owner) ? spec.owner : {};
    const contributors = (Array.isArray(spec.contributors) ? spec.contributors : []).filter(isObject).map(c => ({
      kind: c.kind ?? 'User', name: c.name ?? null, role: c.role ?? 'edit',
    }));
    return declaredTenant({ name: isObject(doc.metadata) ? doc.metadata.name ?? null : null, owner: owner.name ?? null, contributors });
  });
  return [...fromCatalogs, ...fromProfiles].map(withFacts);
}

/* ------------------------------------------------------------------------------------------ */
/* Kubernetes' reading of a CIDR                                                              */
/* ------------------------------------------------------------------------------------------ */

/** An address range: family, first address (host bits cleared), prefix length. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly start: bigint;
  readonly prefix: number;
}

/** IPv4 as Kubernetes' sloppy parser reads it: four decimal parts, leading zeros allowed and read as decimal. */
function readIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every(p => /^\d{1,10}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256n + BigInt(Number(p)), 0n);
}

/** IPv6 (with an optional dotted IPv4 tail) as a 128-bit number. */
function readIpv6(text: string): bigint | undefined {
  let tail: bigint | undefined;
  let head = text;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = readIpv4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (!all.every(g => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const value = all.reduce((n, g) => n * 65536n + BigInt(parseInt(g, 16)), 0n);
  return tail === undefined ? value : value - (value % 2n ** 32n) + tail;
}

/**
 * A CIDR as Kubernetes reads it (k8s.io/utils/net ParseCIDRSloppy, then Go's IPNet.Contains):
 * IPv4 octets in decimal even with leading zeros, a prefix with leading zeros, host bits
 * ignored, and an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, `::ffff:a00:0`) read as the IPv4
 * range it maps (Go compares a mapped network's last 32 bits of mask with an IPv4 address).
 * Undefined when Kubernetes would not parse it at all.
 */
export function kubernetesCidr(text: string): IpRange | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const address = text.slice(0, slash);
  const prefix = Number(text.slice(slash + 1));
  const v4 = address.includes(':') ? undefined : readIpv4(address);
  if (v4 !== undefined) return prefix > 32 ? undefined : networkRange(4, v4, prefix);
  const v6 = address.includes(':') ? readIpv6(address) : undefined;
  if (v6 === undefined || prefix > 128) return undefined;
  if (v6 / 2n ** 32n === 0xffffn) return networkRange(4, v6 % 2n ** 32n, Math.max(0, prefix - 96));
  return networkRange(6, v6, prefix);
}

function networkRange(family: 4 | 6, address: bigint, prefix: number): IpRange {
  const hostBits = BigInt((family === 4 ? 32 : 128) - prefix);
  return { family, start: address - (address % 2n ** hostBits), prefix };
}

function rangeSize(r: IpRange): bigint {
  return 2n ** BigInt((r.family === 4 ? 32 : 128) - r.prefix);
}

function rangeContains(outer: IpRange, inner: IpRange): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix && inner.start >= outer.start && inner.start < outer.start + rangeSize(outer);
}

/** Whether `holes` together cover all of `range` (two CIDRs are nested or disjoint). */
function coveredByHoles(range: IpRange, holes: IpRange[]): boolean {
  if (holes.some(h => rangeContains(h, range))) return true;
  if (!holes.some(h => rangeContains(range, h))) return false;
  const half = rangeSize(range) / 2n;
  const prefix = range.prefix + 1;
  return coveredByHoles({ family: range.family, start: range.start, prefix }, holes)
    && coveredByHoles({ family: range.family, start: range.start + half, prefix }, holes);
}

function rangeText(r: IpRange): string {
  if (r.family === 4) return `${[24n, 16n, 8n, 0n].map(s => String((r.start / 2n ** s) % 256n)).join('.')}/${r.prefix}`;
  return `${r.start.toString(16)}/${r.prefix} (IPv6)`;
}

/** The protected ranges an ipBlock `cidr` minus `except` still reaches, as Kubernetes reads them. */
export function reachedProtected(cidr: string, except: string[], ranges: IpRange[]): string[] {
  const block = kubernetesCidr(cidr);
  if (block === undefined) return [];
  // An exception Kubernetes cannot read excepts nothing.
  const holes = except.map(kubernetesCidr).filter((r): r is IpRange => r !== undefined);
  return ranges.flatMap(range => {
    const overlap = rangeContains(block, range) ? range : rangeContains(range, block) ? block : undefined;
    return overlap && !coveredByHoles(overlap, holes) ? [rangeText(overlap)] : [];
  });
}

/** The cluster's ranges when a tenant declares none (docs/isolation.md: every private range). */
export const DEFAULT_PROTECTED = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

/**
 * The ranges a tenant's ipBlocks must stay clear of: the `clusterCidrs` it declares, read as
 * Kubernetes would (narrowing them is documented and legitimate), or every private range when
 * it declares none, an empty list, or nothing readable (a cluster without addresses does not exist).
 */
export function protectedRanges(tenant: DeclaredTenant | undefined): IpRange[] {
  const declared = (tenant?.clusterCidrs ?? []).map(c => kubernetesCidr(String(c))).filter((r): r is IpRange => r !== undefined);
  return declared.length > 0 ? declared : DEFAULT_PROTECTED.map(c => kubernetesCidr(c)!);
}

/* ------------------------------------------------------------------------------------------ */
/* The oracle                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** The rules the oracle checks; a violation's rule and the mutated leaves make its class. */
export type OracleRule =
  | 'undeclared-identity' | 'role-exceeded' | 'mesh-open' | 'network-open' | 'network-path' | 'network-selects-tenant'
  | 'mesh-source-other-tenant' | 'mesh-proxy-unconditioned' | 'mesh-client-header' | 'cloud-identity-shared' | 'ipblock-reaches-cluster'
  | 'guard-exempts-tenant' | 'idp-groups-user-claim' | 'platform-object-in-tenant' | 'queue-crosses-tenant';

export interface Violation {
  readonly rule: OracleRule;
  readonly tenant: string;
  readonly detail: string;
}

const LEVEL_RANK: Record<string, number> = { none: 0, custom: 1, view: 2, edit: 3, admin: 4 };
const READ_VERBS = new Set(['get', 'list', 'watch']);

/**
 * The highest level `kind/name` may hold in `tenant` by its declarations, or undefined when it
 * is not declared there. Service accounts of the tenant's own namespace (also as the user
 * `system:serviceaccount:<ns>:<name>` or the group `system:serviceaccounts:<ns>`) are its own.
 */
export function declaredCeiling(tenant: DeclaredTenant, kind: string, name: string): number | undefined {
  if (kind === 'ServiceAccount') return name.startsWith(`${tenant.name}/`) ? LEVEL_RANK.admin : undefined;
  if (kind === 'User' && name.startsWith(`system:serviceaccount:${tenant.name}:`)) return LEVEL_RANK.admin;
  if (kind === 'Group' && name === `system:serviceaccounts:${tenant.name}`) return LEVEL_RANK.admin;
  const ceilings: number[] = [];
  if (kind === 'User' && name === tenant.owner) ceilings.push(LEVEL_RANK.admin);
  for (const c of tenant.contributors) if (c.kind === kind && c.name === name) ceilings.push(LEVEL_RANK[c.role]);
  for (const role of tenant.teamRoles) {
    // A team role is declared Kubernetes access up to edit; creating RoleBindings (admin) hands
    // access on to anyone, which only allowEscalation accepts.
    if ((kind === 'User' ? role.users : kind === 'Group' ? role.groups : []).includes(name)) ceilings.push(role.escalation ? LEVEL_RANK.admin : LEVEL_RANK.edit);
  }
  return ceilings.length > 0 ? Math.max(...ceilings) : undefined;
}

/** Whether a label selector matches a namespace's labels (matchLabels and the four operators). */
export function selectorMatches(selector: SelectorSpec | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === null) return true;
  const equal = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return equal && (selector.matchExpressions ?? []).every(e => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/** The namespace part of an Istio principal `<trust-domain>/ns/<namespace>/sa/<name>`. */
function principalNamespaceOf(principal: string): string | undefined {
  return /^[^/]*\/ns\/([^/]+)\/sa\/[^/]+$/.exec(principal)?.[1];
}

/** The string lists in a CEL expression (`["a", "b"]`), as the guard writes its settings. */
function celLists(expression: string): string[] {
  const lists = expression.match(/\[(?:\s*"(?:[^"\\]|\\.)*"\s*,?)*\s*\]/g) ?? [];
  return lists.flatMap(list => JSON.parse(list) as string[]);
}

interface ValidatingAdmissionPolicy extends Manifest {
  spec?: { variables?: Array<{ name?: string; expression?: string }>; validations?: Array<{ expression?: string }> };
}

/**
 * One cloud identity however it is spelled: IAM role names are unique per account whatever their
 * case and path (`role/ml/Team-B` is `role/team-b`), GCP service account e-mails are lowercase.
 */
export function cloudIdentityKey(value: string): string {
  const role = /^(arn:[^:]+:iam::\d+:role)\/(?:.*\/)?([^/]+)$/.exec(value);
  return role ? `${role[1]}/${role[2].toLowerCase()}` : value.trim().toLowerCase();
}

/** Cloud identity annotations of ServiceAccounts (GKE Workload Identity, EKS IRSA). */
const CLOUD_ANNOTATIONS = ['iam.gke.io/gcp-service-account', 'eks.amazonaws.com/role-arn'];

/**
 * Judges accepted output (`manifests`, as read back from the output folder, and the folder's
 * `files`, relative paths) against the tenants the mutant declares. Every finding is an escape:
 * access, a path, an exemption or a platform object the declarations do not give.
 */
export function oracle(declared: DeclaredTenant[], manifests: Manifest[], files: readonly string[] = []): Violation[] {
  const violations: Violation[] = [];
  const add = (rule: OracleRule, tenant: string, detail: string) => violations.push({ rule, tenant, detail });
  const tenants = new Map(declared.map(t => [t.name, t]));
  const names = new Set(tenants.keys());

  // Platform objects: the layout puts objects outside tenants under namespaces/<ns>/ (docs/gitops.md), so
  // such a folder for a tenant is a platform object in a namespace the tenant's owner administers.
  for (const file of files) {
    const [top, ns, name] = file.split('/');
    if (top === 'namespaces' && names.has(ns) && name === 'manifests.yaml') {
      add('platform-object-in-tenant', ns, `${file}: objects of no tenant in tenant ${ns}'s namespace, where its owner (kubeflow-admin) can change or delete them`);
    }
  }

  // RBAC and gateway admission, with each tenant's own auth settings (its headers decide who the gateway admits).
  const byAuth = new Map<string, { auth: JsonObject; tenants: DeclaredTenant[] }>();
  for (const tenant of declared) {
    const key = JSON.stringify(tenant.auth);
    (byAuth.get(key) ?? byAuth.set(key, { auth: tenant.auth, tenants: [] }).get(key)!).tenants.push(tenant);
  }
  let anyMatrix: AccessMatrix | undefined;
  for (const { auth, tenants: group } of byAuth.values()) {
    // The tenant's auth as declared; synth accepted it, so its fields are the strings KubeflowAuthOptions has.
    const matrix = accessMatrix(manifests, { auth: auth as KubeflowAuthOptions });
    anyMatrix ??= matrix;
    for (const tenant of group) {
      for (const identity of matrix.identities) {
        const access = identity.access[tenant.name];
        if (access === undefined) continue;
        const ceiling = declaredCeiling(tenant, identity.kind, identity.name);
        const how = `${access.level}${access.meshIngress ? `, admitted by the gateway (${access.admittedBy})` : ''}${access.grantedBy.length ? `, granted by ${access.grantedBy.join(', ')}` : ''}`;
        if (ceiling === undefined) {
          add('undeclared-identity', tenant.name, `${identity.kind} "${identity.name}" has ${how} in ${tenant.name}, which does not declare it`);
          continue;
        }
        const writes = Object.entries(access.resources).filter(([, verbs]) => verbs.some(v => !READ_VERBS.has(v)));
        if (LEVEL_RANK[access.level] > ceiling || (ceiling <= LEVEL_RANK.view && writes.length > 0)) {
          add('role-exceeded', tenant.name, `${identity.kind} "${identity.name}" has ${how} in ${tenant.name}, beyond what it is declared`
            + `${writes.length ? ` (writes ${writes.map(([r, v]) => `${r}: ${v.join('/')}`).join('; ')})` : ''}`);
        }
      }
      if (matrix.meshOpen.includes(tenant.name)) add('mesh-open', tenant.name, `${tenant.name} admits every request from the ingress gateway`);
    }
  }

  // Network: openness, paths between tenants, and selectors that pick other tenants.
  if (anyMatrix) {
    const network = anyMatrix.network;
    for (const tenant of declared) {
      if (tenant.networkOff) continue;
      if (network.openIngress.includes(tenant.name)) add('network-open', tenant.name, `${tenant.name} has no ingress policy though its network policy is on`);
      if (network.openEgress.includes(tenant.name)) add('network-open', tenant.name, `${tenant.name} has no egress policy though its network policy is on`);
    }
    for (const path of network.paths.filter(p => names.has(p.from) && names.has(p.to))) {
      const from = tenants.get(path.from)!;
      const to = tenants.get(path.to)!;
      const ingressOk = to.networkOff || to.ingressFrom.includes(from.name);
      const egressOk = from.networkOff || from.egressTo.includes(to.name);
      if (!ingressOk || !egressOk) {
        add('network-path', to.name, `${from.name} → ${to.name} on ${path.ports.join(' ')} (${path.policies.join(', ')}), `
          + `but ${!ingressOk ? `${to.name} does not name ${from.name} in additionalIngress` : `${from.name} does not name ${to.name} in additionalEgress`}`);
      }
    }
  }
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const o of manifests) {
    const name = o.metadata?.name;
    if (o.apiVersion === 'v1' && o.kind === 'Namespace' && name !== undefined && names.has(name)) {
      namespaceLabels.set(name, { ...(o.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name });
    }
  }
  for (const policy of manifests.filter((o): o is NetworkPolicyManifest => o.kind === 'NetworkPolicy')) {
    const ns = policy.metadata?.namespace ?? '';
    const tenant = tenants.get(ns);
    if (tenant === undefined) continue;
    const check = (peers: NetworkPolicyPeerSpec[] | undefined, direction: 'ingress' | 'egress') => {
      // A rule without peers admits (or reaches) every namespace.
      for (const peer of peers === undefined || peers.length === 0 ? [{ namespaceSelector: {} }] : peers) {
        if (peer.ipBlock) {
          const reached = reachedProtected(peer.ipBlock.cidr, peer.ipBlock.except ?? [], protectedRanges(tenant));
          if (reached.length > 0 || kubernetesCidr(peer.ipBlock.cidr) === undefined) {
            add('ipblock-reaches-cluster', ns, `NetworkPolicy ${ns}/${policy.metadata?.name} ${direction} ipBlock ${JSON.stringify(peer.ipBlock)} `
              + (reached.length > 0 ? `reaches ${reached.join(', ')} as Kubernetes reads it` : 'is not a CIDR Kubernetes reads'));
          }
          continue;
        }
        if (peer.namespaceSelector === undefined) continue; // pods of its own namespace
        // The isolation check's promise (docs/access.md): a selector may match only namespaces the tenant names in its own rules.
        const named = [...tenant.ingressFrom, ...tenant.egressTo];
        for (const [other, labels] of namespaceLabels) {
          if (other !== ns && !named.includes(other) && selectorMatches(peer.namespaceSelector, labels)) {
            add('network-selects-tenant', ns, `NetworkPolicy ${ns}/${policy.metadata?.name} ${direction} selects tenant ${other} (${JSON.stringify(peer.namespaceSelector)}), which ${ns} does not name`);
          }
        }
      }
    };
    for (const rule of policy.spec?.ingress ?? []) check(rule.from, 'ingress');
    for (const rule of policy.spec?.egress ?? []) check(rule.to, 'egress');
  }

  // Mesh: with the profile controller's objects as it writes them (with the cluster's auth), no
  // AuthorizationPolicy of a tenant admits another tenant's workloads, lets a proxy that forwards
  // every user (the ingress gateway, the Pipelines UI) in without a user or group condition, or
  // trusts a header the cluster's auth proxy does not set (any client could set it).
  const cluster = resolveAuth((declared[0]?.clusterAuth ?? {}) as KubeflowAuthOptions);
  const identityHeaders = new Set([cluster.userIdHeader, cluster.groupsHeader].map(h => `request.headers[${h}]`));
  const expanded = withProfileControllerObjects(manifests, () => cluster);
  for (const policy of expanded.filter((o): o is AuthorizationPolicyManifest => o.kind === 'AuthorizationPolicy')) {
    const ns = policy.metadata?.namespace ?? '';
    if (!names.has(ns) || policy.spec?.action === 'DENY') continue;
    const name = `${ns}/${policy.metadata?.name}`;
    (policy.spec?.rules ?? []).forEach((rule, index) => {
      const sources = (rule.from ?? []).map(f => f.source ?? {});
      const principals = sources.flatMap(s => s.principals ?? []);
      const sourceNamespaces = [...sources.flatMap(s => s.namespaces ?? []),
        ...(rule.when ?? []).filter(c => c.key === 'source.namespace').flatMap(c => c.values ?? [])];
      for (const principal of principals) {
        const other = principalNamespaceOf(principal);
        if (principal.includes('*') || (other !== undefined && other !== ns && names.has(other))) {
          add('mesh-source-other-tenant', ns, `AuthorizationPolicy ${name} rule ${index} admits principal "${principal}"`);
        }
      }
      for (const source of sourceNamespaces) {
        if (source.includes('*') || (source !== ns && names.has(source))) {
          add('mesh-source-other-tenant', ns, `AuthorizationPolicy ${name} rule ${index} admits namespace "${source}"`);
        }
      }
      const headerKeys = (rule.when ?? []).map(c => String(c.key)).filter(k => k.startsWith('request.headers['));
      const proxies = principals.filter(p => p === cluster.ingressGatewayPrincipal || p === cluster.pipelinesUiPrincipal);
      if (proxies.length > 0 && !headerKeys.some(k => identityHeaders.has(k))) {
        add('mesh-proxy-unconditioned', ns, `AuthorizationPolicy ${name} rule ${index} admits "${proxies[0]}", which forwards every user, without a user or group condition`);
      }
      for (const key of headerKeys.filter(k => !identityHeaders.has(k))) {
        add('mesh-client-header', ns, `AuthorizationPolicy ${name} rule ${index} admits on ${key}, which the cluster's auth proxy does not set (it sets ${[...identityHeaders].join(', ')})`);
      }
    });
  }

  // Cloud identities: one tenant's default-editor (or any of its ServiceAccounts) per identity.
  const holders = new Map<string, Set<string>>();
  for (const account of expanded.filter(o => o.kind === 'ServiceAccount')) {
    const ns = account.metadata?.namespace ?? '';
    if (!names.has(ns)) continue;
    for (const key of CLOUD_ANNOTATIONS) {
      const value = account.metadata?.annotations?.[key];
      if (typeof value !== 'string') continue;
      const identity = `${key}=${cloudIdentityKey(value)}`;
      (holders.get(identity) ?? holders.set(identity, new Set()).get(identity)!).add(ns);
    }
  }
  for (const [identity, owners] of holders) {
    if (owners.size > 1) add('cloud-identity-shared', [...owners].sort()[1], `${identity} is on ServiceAccounts of ${[...owners].sort().join(' and ')}`);
  }

  // The guard's exemptions name no tenant member, none of their service accounts, nobody-in-particular groups.
  const members = new Map<string, string>();
  for (const t of declared) {
    for (const who of [t.owner, ...t.contributors.map(c => c.name), ...t.teamRoles.flatMap(r => [...r.users, ...r.groups])]) members.set(who, t.name);
  }
  for (const policy of manifests.filter((o): o is ValidatingAdmissionPolicy => o.kind === 'ValidatingAdmissionPolicy')) {
    const expressions = [
      ...(policy.spec?.variables ?? []).filter(v => ['gitOps', 'breakGlass', 'platformUsers', 'platformGroups'].includes(String(v.name))).map(v => String(v.expression)),
      // The profile controller's identity is compared with == in the validations, Kueue's in a variable.
      ...[...(policy.spec?.validations ?? []), ...(policy.spec?.variables ?? [])]
        .flatMap(v => [...String(v.expression).matchAll(/request\.userInfo\.username == ("(?:[^"\\]|\\.)*")/g)].map(m => `[${m[1]}]`)),
    ];
    for (const name of new Set(expressions.flatMap(celLists))) {
      const serviceAccount = /^system:serviceaccounts?:([^:]+)(:|$)/.exec(name);
      const why = members.has(name) ? `a member of tenant ${members.get(name)}`
        : serviceAccount && names.has(serviceAccount[1]) ? `a service account (group) of tenant ${serviceAccount[1]}`
          : ['system:serviceaccounts', 'system:authenticated', 'system:unauthenticated', 'system:anonymous'].includes(name) ? 'everyone of a kind' : undefined;
      if (why) add('guard-exempts-tenant', members.get(name) ?? serviceAccount?.[1] ?? '*', `ValidatingAdmissionPolicy ${policy.metadata?.name} exempts "${name}", ${why}`);
    }
  }

  // The identity provider: group membership (which admits group contributors) comes from a claim the
  // identity provider vouches for, never one users set on their own profile.
  for (const config of manifests.filter(o => o.kind === 'ConfigMap' && isObject(o.data) && typeof (o.data as JsonObject)['config.yaml'] === 'string')) {
    const dex: unknown = parse(String((config.data as JsonObject)['config.yaml']));
    const connectors = isObject(dex) && Array.isArray(dex.connectors) ? dex.connectors.filter(isObject) : [];
    for (const connector of connectors) {
      const mapping = isObject(connector.config) && isObject(connector.config.claimMapping) ? connector.config.claimMapping : {};
      if (typeof mapping.groups === 'string' && USER_CONTROLLED_CLAIMS.includes(mapping.groups)) {
        add('idp-groups-user-claim', '*', `ConfigMap ${config.metadata?.namespace}/${config.metadata?.name}: connector ${String(connector.id)} reads groups from `
          + `"${mapping.groups}", a claim users set themselves; anyone could name themselves after a tenant's group`);
      }
    }
  }
  queueEscapes(manifests, names).forEach(v => add('queue-crosses-tenant', v.tenant, v.detail));
  return violations;
}

/**
 * Kueue, judged on its own terms: a ClusterQueue admits workloads from the namespaces its selector
 * matches, so each must name exactly one namespace (by the name label), and a LocalQueue in a
 * tenant's namespace must feed one that names that namespace and no other.
 */
function queueEscapes(manifests: Manifest[], tenants: ReadonlySet<string>): Array<{ tenant: string; detail: string }> {
  const escapes: Array<{ tenant: string; detail: string }> = [];
  const admits = new Map<string, string | undefined>();
  for (const queue of manifests.filter(o => o.kind === 'ClusterQueue')) {
    const selector = (queue as { spec?: { namespaceSelector?: unknown } }).spec?.namespaceSelector;
    const labels = isObject(selector) && Object.keys(selector).length === 1 && isObject(selector.matchLabels) ? selector.matchLabels : undefined;
    const only = labels && Object.keys(labels).length === 1 && typeof labels['kubernetes.io/metadata.name'] === 'string' ? String(labels['kubernetes.io/metadata.name']) : undefined;
    admits.set(String(queue.metadata?.name), only);
    if (only === undefined) escapes.push({ tenant: '*', detail: `ClusterQueue ${queue.metadata?.name} admits more than one namespace: ${JSON.stringify(selector)}` });
    const owner = queue.metadata?.labels?.['kf-tenancy.io/tenant'];
    if (owner !== undefined && only !== undefined && owner !== only) escapes.push({ tenant: owner, detail: `ClusterQueue ${queue.metadata?.name} of ${owner} admits ${only}` });
  }
  for (const queue of manifests.filter(o => o.kind === 'LocalQueue' && tenants.has(String(o.metadata?.namespace)))) {
    const namespace = String(queue.metadata?.namespace);
    const target = String((queue as { spec?: { clusterQueue?: unknown } }).spec?.clusterQueue);
    if (admits.get(target) !== namespace) {
      escapes.push({ tenant: namespace, detail: `LocalQueue ${namespace}/${queue.metadata?.name} feeds ClusterQueue ${target}, which admits ${admits.get(target) ?? 'no one namespace'}` });
    }
  }
  return escapes;
}

/** OpenID Connect standard claims that users edit on their own profile (OIDC Core 5.1). */
const USER_CONTROLLED_CLAIMS = ['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'gender', 'birthdate', 'zoneinfo', 'locale'];
