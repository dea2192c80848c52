/**
 * Dex, the identity provider of Kubeflow's manifests, configured from the same
 * source as the tenants: a ConfigMap with Dex's config.yaml in which every
 * secret is an environment reference (`$VAR`) filled from a Secret you name.
 * It also carries the one setting both sides must agree on: how the user id
 * reaches Kubeflow (header and prefix), which TenantProfile's policies match.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { KubeflowAuthOptions, authProblemsAt, resolveAuth } from '../../core/auth-options';
import { formatProblem } from '../../core/problem';
import { dnsLabelProblem, namespaceNameProblem, shown, throwIfAny } from '../../core/validation';

/** An OpenID Connect upstream (corporate SSO: Azure AD, Okta, Google, Keycloak). */
export interface OidcConnector {
  /** Connector id, e.g. "corporate-sso". */
  readonly id: string;
  /** Name on Dex's login page. */
  readonly name: string;
  /** Issuer URL of the upstream provider. */
  readonly issuer: string;
  /** Client id at the upstream provider; an environment reference (`$OIDC_CLIENT_ID`) or the literal id. */
  readonly clientId: string;
  /** Client secret: must be an environment reference such as `$OIDC_CLIENT_SECRET`. */
  readonly clientSecret: string;
  /** Dex's callback URL, e.g. "https://kubeflow.example.com/dex/callback". */
  readonly redirectUri: string;
  /**
   * Scopes to request.
   * @default ["openid", "profile", "email", "groups"]
   */
  readonly scopes?: string[];
  /**
   * Claim that holds the groups: `groups`, `roles`, `cognito:groups`, or a namespaced custom claim
   * (`https://example.com/groups`). Claims users edit themselves (`preferred_username`, `name`, ...)
   * are refused: whoever names themselves after a group would pass the gateway as its member.
   * @default "groups"
   */
  readonly groupsKey?: string;
}

/** An LDAP or Active Directory upstream. */
export interface LdapConnector {
  /** Connector id, e.g. "ldap". */
  readonly id: string;
  /** Name on Dex's login page. */
  readonly name: string;
  /** host:port of the LDAP server, e.g. "ldap.example.com:636". */
  readonly host: string;
  /** DN Dex binds as; an environment reference or the literal DN. */
  readonly bindDn: string;
  /** Bind password: must be an environment reference such as `$LDAP_BIND_PASSWORD`. */
  readonly bindPassword: string;
  /** Base DN of users, e.g. "ou=people,dc=example,dc=com". */
  readonly userBaseDn: string;
  /**
   * Filter for user entries.
   * @default "(objectClass=person)"
   */
  readonly userFilter?: string;
  /**
   * Attribute the user logs in with.
   * @default "mail"
   */
  readonly usernameAttribute?: string;
  /**
   * Base DN of groups; without it no groups are returned.
   * @default - no group search
   */
  readonly groupBaseDn?: string;
  /**
   * Filter for group entries.
   * @default "(objectClass=groupOfNames)"
   */
  readonly groupFilter?: string;
}

/** A client of Dex (oauth2-proxy in front of Kubeflow, for instance). */
export interface DexStaticClient {
  /** Client id. */
  readonly id: string;
  /** Display name. */
  readonly name: string;
  /** Allowed redirect URIs. */
  readonly redirectUris: string[];
  /** Client secret: must be an environment reference such as `$OAUTH2_PROXY_CLIENT_SECRET`. */
  readonly secret: string;
}

/** Properties of {@link IdentityProvider}. */
export interface IdentityProviderProps {
  /** Dex's issuer URL, e.g. "https://kubeflow.example.com/dex". */
  readonly issuer: string;
  /** The Secret that holds the values of every `$VAR` reference; Dex's Deployment loads it with envFrom. */
  readonly secretName: string;
  /**
   * Namespace of Dex.
   * @default "auth"
   */
  readonly namespace?: string;
  /**
   * Name of the ConfigMap.
   * @default "dex"
   */
  readonly configMapName?: string;
  /**
   * OIDC upstreams.
   * @default - none
   */
  readonly oidcConnectors?: OidcConnector[];
  /**
   * LDAP upstreams.
   * @default - none
   */
  readonly ldapConnectors?: LdapConnector[];
  /**
   * Clients of Dex.
   * @default - none
   */
  readonly staticClients?: DexStaticClient[];
  /**
   * How the authenticated user reaches Kubeflow: the headers and user-id prefix that the
   * auth proxy sets and that every TenantProfile's AuthorizationPolicies match. Give the
   * same object to your tenants (`identityProvider.kubeflowAuth`); a catalog does it for you.
   * @default Kubeflow's defaults (kubeflow-userid, no prefix, kubeflow-groups)
   */
  readonly kubeflowAuth?: KubeflowAuthOptions;
}

const ENV_REFERENCE = /^\$[A-Z_][A-Z0-9_]*$/;

function secretProblem(field: string, value: string, secretName: string): string | undefined {
  if (ENV_REFERENCE.test(value)) return undefined;
  return `${field}: a literal secret is not allowed in Dex's config (it would be stored in a ConfigMap and in Git); `
    + `put the value in Secret "${secretName}" under a key such as CLIENT_SECRET and write "$CLIENT_SECRET"`;
}

function urlProblem(field: string, value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${field}: "${value}" must be an http(s) URL`;
    return url.username || url.password ? `${field}: must not carry credentials` : undefined;
  } catch {
    return `${field}: "${value}" is not a URL`;
  }
}

/** Problems with Dex settings, each naming its field. */
export function identityProviderProblems(props: IdentityProviderProps): string[] {
  const problems: string[] = [];
  const add = (problem: string | undefined) => { if (problem) problems.push(`identityProvider.${problem}`); };
  add(urlProblem('issuer', props.issuer));
  const secretNameProblem = dnsLabelProblem(props.secretName);
  if (secretNameProblem) add(`secretName: ${secretNameProblem}`);
  if (props.namespace !== undefined && namespaceNameProblem(props.namespace)) add(`namespace: ${namespaceNameProblem(props.namespace)}`);
  if (props.configMapName !== undefined && dnsLabelProblem(props.configMapName)) add(`configMapName: ${dnsLabelProblem(props.configMapName)}`);
  const ids = new Set<string>();
  const connectorId = (field: string, id: string) => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) add(`${field}.id: "${id}" must be lower-case letters, digits and "-"`);
    if (ids.has(id)) add(`${field}.id: "${id}" is used by another connector`);
    ids.add(id);
  };
  (props.oidcConnectors ?? []).forEach((c, i) => {
    const at = `oidcConnectors[${i}]`;
    connectorId(at, c.id);
    add(urlProblem(`${at}.issuer`, c.issuer));
    add(urlProblem(`${at}.redirectUri`, c.redirectUri));
    add(secretProblem(`${at}.clientSecret`, c.clientSecret, props.secretName));
    if (c.groupsKey !== undefined) add(groupsClaimProblem(`${at}.groupsKey`, c.groupsKey));
  });
  (props.ldapConnectors ?? []).forEach((c, i) => {
    const at = `ldapConnectors[${i}]`;
    connectorId(at, c.id);
    if (!/^[^\s:/]+:\d+$/.test(c.host)) add(`${at}.host: "${c.host}" must be host:port, e.g. "ldap.example.com:636"`);
    add(secretProblem(`${at}.bindPassword`, c.bindPassword, props.secretName));
  });
  const clients = new Set<string>();
  (props.staticClients ?? []).forEach((c, i) => {
    const at = `staticClients[${i}]`;
    if (clients.has(c.id)) add(`${at}.id: "${c.id}" is used by another client`);
    clients.add(c.id);
    if (c.redirectUris.length === 0) add(`${at}.redirectUris: give at least one`);
    c.redirectUris.forEach((u, j) => add(urlProblem(`${at}.redirectUris[${j}]`, u)));
    add(secretProblem(`${at}.secret`, c.secret, props.secretName));
  });
  if ((props.oidcConnectors ?? []).length + (props.ldapConnectors ?? []).length === 0) {
    add('oidcConnectors: give at least one OIDC or LDAP connector');
  }
  problems.push(...authProblemsAt(resolveAuth(props.kubeflowAuth), field => `identityProvider.kubeflowAuth.${field}`).map(formatProblem));
  return problems;
}

/**
 * Group claims the identity provider's administrators set (an allowlist): the groups header is
 * built from this claim, so a claim a user edits on their own profile would let them choose
 * their groups. A namespaced claim (a URL, as Auth0 and Okta custom claims are) is set by rules.
 */
const ADMIN_GROUP_CLAIMS = ['groups', 'roles', 'cognito:groups'];

function groupsClaimProblem(at: string, claim: unknown): string | undefined {
  if (typeof claim === 'string' && (ADMIN_GROUP_CLAIMS.includes(claim) || /^https:\/\/[a-z0-9.-]+\/[\w./-]+$/.test(claim))) return undefined;
  return `${at}: ${shown(claim)} is not a claim the identity provider's administrators set; users edit profile claims `
    + `(preferred_username, name, nickname, ...) themselves and could name themselves after any group. Use ${ADMIN_GROUP_CLAIMS.map(c => `"${c}"`).join(', ')} `
    + 'or a namespaced custom claim ("https://example.com/groups")';
}

/** Dex's config.yaml as data. */
export function dexConfig(props: IdentityProviderProps): Record<string, unknown> {
  return {
    issuer: props.issuer,
    storage: { type: 'kubernetes', config: { inCluster: true } },
    web: { http: '0.0.0.0:5556' },
    logger: { level: 'info', format: 'json' },
    oauth2: { skipApprovalScreen: true },
    enablePasswordDB: false,
    connectors: [
      ...(props.oidcConnectors ?? []).map(c => ({
        type: 'oidc',
        id: c.id,
        name: c.name,
        config: {
          issuer: c.issuer,
          clientID: c.clientId,
          clientSecret: c.clientSecret,
          redirectURI: c.redirectUri,
          scopes: c.scopes ?? ['openid', 'profile', 'email', 'groups'],
          insecureEnableGroups: true,
          claimMapping: { groups: c.groupsKey ?? 'groups' },
        },
      })),
      ...(props.ldapConnectors ?? []).map(c => ({
        type: 'ldap',
        id: c.id,
        name: c.name,
        config: {
          host: c.host,
          bindDN: c.bindDn,
          bindPW: c.bindPassword,
          usernamePrompt: 'Email',
          userSearch: {
            baseDN: c.userBaseDn,
            filter: c.userFilter ?? '(objectClass=person)',
            username: c.usernameAttribute ?? 'mail',
            idAttr: 'DN',
            emailAttr: 'mail',
            nameAttr: 'cn',
          },
          ...(c.groupBaseDn ? {
            groupSearch: {
              baseDN: c.groupBaseDn,
              filter: c.groupFilter ?? '(objectClass=groupOfNames)',
              userMatchers: [{ userAttr: 'DN', groupAttr: 'member' }],
              nameAttr: 'cn',
            },
          } : {}),
        },
      })),
    ],
    // Dex reads a static client's secret from the environment variable named by secretEnv.
    staticClients: (props.staticClients ?? []).map(c => ({ id: c.id, name: c.name, redirectURIs: c.redirectUris, secretEnv: c.secret.slice(1) })),
  };
}

/** The environment variables the config refers to, sorted: the keys the named Secret must hold. */
export function dexSecretKeys(props: IdentityProviderProps): string[] {
  const values = [
    ...(props.oidcConnectors ?? []).flatMap(c => [c.clientId, c.clientSecret]),
    ...(props.ldapConnectors ?? []).flatMap(c => [c.bindDn, c.bindPassword]),
    ...(props.staticClients ?? []).map(c => c.secret),
  ];
  return [...new Set(values.filter(v => ENV_REFERENCE.test(v)).map(v => v.slice(1)))].sort();
}

/**
 * Dex's configuration as a ConfigMap (`config.yaml`), with OIDC and LDAP
 * connectors and static clients; every secret is a `$VAR` reference to a key of
 * the Secret you name (annotated on the ConfigMap with the keys it must hold).
 * Literal secrets are refused.
 */
export class IdentityProvider extends Construct {
  /** The ConfigMap holding config.yaml. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The auth settings every tenant must use, so that policies match what the proxy sends. */
  public readonly kubeflowAuth: KubeflowAuthOptions;

  constructor(scope: Construct, id: string, props: IdentityProviderProps) {
    super(scope, id);
    throwIfAny(identityProviderProblems(props));
    const auth = resolveAuth(props.kubeflowAuth);
    this.kubeflowAuth = { userIdHeader: auth.userIdHeader, userIdPrefix: auth.userIdPrefix, groupsHeader: auth.groupsHeader };
    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: {
        name: props.configMapName ?? 'dex',
        namespace: props.namespace ?? 'auth',
        annotations: {
          'kf-tenancy.io/env-from-secret': props.secretName,
          'kf-tenancy.io/secret-keys': dexSecretKeys(props).join(','),
        },
      },
      data: { 'config.yaml': stringify(dexConfig(props), { lineWidth: 0 }) },
    });
  }
}
