import { parseYamlSource, SourceDocument } from './yaml-source';
import type { TenantProfileProps } from '../constructs/tenant/tenant-profile';
import type { ProfilePlugin, ProfilePluginKind } from '../constructs/tenant/tenant-settings';
import { ContributorOptions, ContributorRole, IdentityKind } from '../core/identity';
import { notAString, shown, throwIfAny, unknownKeyMessage } from '../core/validation';

const PROFILE_API_VERSIONS = ['kubeflow.org/v1', 'kubeflow.org/v1beta1'];
/**
 * The keys a Profile may hold, at every level: anything else is a typo that would otherwise be
 * dropped (a misspelt `role` made a viewer an editor). `status` and any `metadata` come with
 * `kubectl get -o yaml` and are not read.
 */
const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const SPEC_KEYS = ['owner', 'resourceQuotaSpec', 'plugins', 'contributors'];
const OWNER_KEYS = ['kind', 'name', 'apiGroup'];
const CONTRIBUTOR_KEYS = ['kind', 'name', 'role'];
const QUOTA_KEYS = ['hard'];
const PLUGIN_KEYS = ['kind', 'spec'];
/** The spec fields of each plugin kind the profile controller supports. */
const PLUGIN_SPEC_KEYS: Record<string, string[]> = {
  WorkloadIdentity: ['gcpServiceAccount'],
  AwsIamForServiceAccount: ['awsIamRole', 'annotateOnly'],
};

/** A Profile read from YAML: the tenant's props and where they came from. */
export interface ProfileSource {
  /** Props for a TenantProfile. */
  readonly props: TenantProfileProps;
  /** `file:line` of the Profile document, for error messages. */
  readonly location: string;
}

/** A mapping read from YAML: keys known, values not yet checked. */
type Mapping = Record<string, unknown>;

function isObject(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads Kubeflow `Profile` documents (`kubeflow.org/v1` and `v1beta1`) from YAML:
 * multi-document files, `kind: List` wrappers, and the widely used
 * `spec.contributors` extension (`[{kind: User|Group, name, role?}]`).
 */
export class ProfileReader {
  /**
   * Parses YAML text holding one or more Profiles.
   * Throws one error listing every problem, each with `source:line`.
   * @param text the YAML
   * @param source name of the file, for messages
   */
  public static parse(text: string, source: string = '<input>'): ProfileSource[] {
    const parsed = parseYamlSource(text, source);
    const errors = [...parsed.errors];
    const profiles: ProfileSource[] = [];
    for (const doc of parsed.documents) profiles.push(...profilesFromDocument(doc, errors));
    throwIfAny(errors);
    return profiles;
  }
}

/** Reads the Profiles of one parsed document (a Profile or a `kind: List` of them). */
export function profilesFromDocument(doc: SourceDocument, errors: string[]): ProfileSource[] {
  const profiles: ProfileSource[] = [];
  const value = doc.value;
  if (isObject(value) && value.kind === 'List' && Array.isArray(value.items)) {
    value.items.forEach((item: unknown, index: number) =>
      readProfile(item, doc.locate(['items', index]), (at, key) => doc.locate(['items', index, ...at], key), profiles, errors));
  } else {
    readProfile(value, doc.locate([]), (at, key) => doc.locate(at, key), profiles, errors);
  }
  return profiles;
}

/** `file:line` of a path in the Profile (a key's own line when `key` is given). */
type Locate = (path: Array<string | number>, key?: string) => string;

/** The problems found in one Profile, each with the line it is on, and the ways to record them. */
interface ProfileProblems {
  readonly problems: Array<{ at: string; message: string }>;
  /** Records a problem at `path`, on `key`'s own line when given. */
  readonly problem: (path: Array<string | number>, message: string, key?: string) => void;
  /** Records each key of `mapping` that is not `known`: unknown keys are found at every level. */
  readonly strict: (mapping: Mapping, path: Array<string | number>, known: readonly string[]) => void;
}

/** Starts an empty list of a Profile's problems, located with `locate`. */
function profileProblems(locate: Locate): ProfileProblems {
  const problems: Array<{ at: string; message: string }> = [];
  const problem = (path: Array<string | number>, message: string, key?: string) => {
    problems.push({ at: locate(path, key), message });
  };
  const strict = (mapping: Mapping, path: Array<string | number>, known: readonly string[]) => {
    for (const key of Object.keys(mapping)) {
      if (!known.includes(key)) problem(path, `${[...path.map(p => (typeof p === 'number' ? `[${p}]` : `.${p}`))].join('').replace(/^\./, '') || 'Profile'}: ${unknownKeyMessage(key, known)}`, key);
    }
  };
  return { problems, problem, strict };
}

/** Whether a document is a Kubeflow Profile of a supported apiVersion. */
function isKubeflowProfile(value: unknown): value is Mapping {
  return isObject(value) && value.kind === 'Profile' && typeof value.apiVersion === 'string' && PROFILE_API_VERSIONS.includes(value.apiVersion);
}

/** The Profile's metadata.name, or undefined after recording why it cannot name a tenant. */
function profileName(value: Mapping, location: string, errors: string[]): string | undefined {
  const name = isObject(value.metadata) ? value.metadata.name : undefined;
  if (name !== undefined && name !== null && typeof name !== 'string') {
    errors.push(`${location}: metadata.name: ${notAString(name)}`);
    return undefined;
  }
  if (typeof name !== 'string' || name === '') {
    errors.push(`${location}: Profile has no metadata.name; add the tenant name`);
    return undefined;
  }
  return name;
}

/** The Profile's spec (empty when it is not a mapping), after recording a missing or malformed one and its unknown keys. */
function readSpec(value: Mapping, report: ProfileProblems): Mapping {
  // A misspelt spec is already named as an unknown top-level key, not again as a missing spec.
  if ((value.spec === undefined || value.spec === null) && report.problems.length === 0) {
    report.problem([], 'spec: missing; a Profile needs spec.owner');
  } else if (value.spec !== undefined && value.spec !== null && !isObject(value.spec)) {
    report.problem(['spec'], 'spec must be a mapping with owner, contributors, plugins, resourceQuotaSpec');
  }
  const spec = isObject(value.spec) ? value.spec : {};
  report.strict(spec, ['spec'], SPEC_KEYS);
  return spec;
}

/** The owner's user name from spec.owner, or '' after recording why it is not a User; `specIsMapping` avoids repeating a bad spec. */
function readOwner(owner: unknown, specIsMapping: boolean, report: ProfileProblems): string {
  if (!isObject(owner)) {
    if (specIsMapping) report.problem(['spec'], 'spec.owner must be {kind: User, name: <user id>}');
    return '';
  }
  report.strict(owner, ['spec', 'owner'], OWNER_KEYS);
  if (owner.name !== undefined && typeof owner.name !== 'string') {
    report.problem(['spec', 'owner', 'name'], `spec.owner.name: ${notAString(owner.name)}`);
  } else if (typeof owner.name !== 'string') {
    report.problem(['spec', 'owner'], 'spec.owner must be {kind: User, name: <user id>}');
  } else if (owner.kind !== undefined && owner.kind !== 'User') {
    report.problem(['spec', 'owner', 'kind'], `spec.owner.kind "${String(owner.kind)}" is not allowed; a Profile is owned by a User`);
  } else {
    return owner.name;
  }
  return '';
}

/** The hard quotas of spec.resourceQuotaSpec as strings, or undefined when none are given or they are malformed. */
function readResourceQuota(quotaSpec: unknown, report: ProfileProblems): Record<string, string> | undefined {
  if (quotaSpec === undefined || quotaSpec === null) return undefined;
  if (!isObject(quotaSpec)) {
    report.problem(['spec', 'resourceQuotaSpec'], 'spec.resourceQuotaSpec must be a mapping with "hard"');
    return undefined;
  }
  report.strict(quotaSpec, ['spec', 'resourceQuotaSpec'], QUOTA_KEYS);
  if (quotaSpec.hard !== undefined && !isObject(quotaSpec.hard)) {
    report.problem(['spec', 'resourceQuotaSpec', 'hard'], 'spec.resourceQuotaSpec.hard must be a mapping of resource to quantity');
    return undefined;
  }
  if (!quotaSpec.hard) return undefined;
  const resourceQuota: Record<string, string> = {};
  for (const [key, quantity] of Object.entries(quotaSpec.hard)) resourceQuota[key] = String(quantity);
  return resourceQuota;
}

/** One entry of spec.plugins, or undefined when it has no kind; keys of another plugin kind are named as such. */
function readPlugin(plugin: Mapping, path: Array<string | number>, report: ProfileProblems): ProfilePlugin | undefined {
  if (typeof plugin.kind !== 'string') return undefined;
  report.strict(plugin, path, PLUGIN_KEYS);
  const pluginSpec = isObject(plugin.spec) ? plugin.spec : {};
  const own = PLUGIN_SPEC_KEYS[plugin.kind];
  if (own !== undefined) {
    for (const key of Object.keys(pluginSpec).filter(k => !own.includes(k))) {
      const kindOfKey = Object.entries(PLUGIN_SPEC_KEYS).find(([, keys]) => keys.includes(key))?.[0];
      report.problem([...path, 'spec'], kindOfKey !== undefined
        ? `spec.plugins[${path[2]}].spec.${key} belongs to plugin kind ${kindOfKey}, not ${plugin.kind}; give it its own plugin entry`
        : `spec.plugins[${path[2]}].spec: ${unknownKeyMessage(key, own)}`, key);
    }
  }
  if (pluginSpec.annotateOnly !== undefined && typeof pluginSpec.annotateOnly !== 'boolean') {
    report.problem([...path, 'spec', 'annotateOnly'], `spec.plugins[${path[2]}].spec.annotateOnly: ${shown(pluginSpec.annotateOnly)} is not true or false`);
  }
  return {
    kind: plugin.kind as ProfilePluginKind,
    gcpServiceAccount: pluginSpec.gcpServiceAccount,
    awsIamRole: pluginSpec.awsIamRole,
    annotateOnly: pluginSpec.annotateOnly,
  } as ProfilePlugin;
}

/** One entry of spec.contributors, or undefined when it has no name; kind defaults to User and role to edit. */
function readContributor(contributor: Mapping, path: Array<string | number>, report: ProfileProblems): ContributorOptions | undefined {
  if (typeof contributor.name !== 'string') return undefined;
  report.strict(contributor, path, CONTRIBUTOR_KEYS);
  return {
    name: contributor.name,
    kind: (contributor.kind ?? IdentityKind.USER) as IdentityKind,
    role: (contributor.role ?? ContributorRole.EDIT) as ContributorRole,
  } as ContributorOptions;
}

/** Reads one Profile into `profiles`, or records every problem it has in `errors`. */
function readProfile(value: unknown, location: string, locate: Locate, profiles: ProfileSource[], errors: string[]): void {
  if (!isKubeflowProfile(value)) {
    const what = isObject(value) ? `${String(value.apiVersion ?? '?')} ${String(value.kind ?? '?')}` : typeof value;
    errors.push(`${location}: not a Kubeflow Profile (found ${what}); expected apiVersion ${PROFILE_API_VERSIONS.join(' or ')}, kind Profile`);
    return;
  }
  const name = profileName(value, location, errors);
  if (name === undefined) return;
  // Each problem carries the line it is on, and all are reported together, in the order of the fields.
  const report = profileProblems(locate);
  report.strict(value, [], TOP_KEYS);
  const spec = readSpec(value, report);
  const ownerName = readOwner(spec.owner, isObject(value.spec), report);
  const resourceQuota = readResourceQuota(spec.resourceQuotaSpec, report);
  const plugins = readList(spec.plugins, ['spec', 'plugins'], '{kind, spec}', report.problem, (plugin, path) => readPlugin(plugin, path, report));
  const contributors = readList(spec.contributors, ['spec', 'contributors'], '{kind: User|Group, name, role}', report.problem,
    (contributor, path) => readContributor(contributor, path, report));

  if (report.problems.length > 0) {
    errors.push(...report.problems.map(p => `${p.at}: tenant "${name}": ${p.message}`));
    return;
  }
  profiles.push({
    location,
    props: {
      name,
      owner: ownerName,
      resourceQuota,
      plugins: plugins.length > 0 ? plugins : undefined,
      contributors: contributors.length > 0 ? contributors : undefined,
    },
  });
}

/**
 * Reads an optional list field: each item a mapping that `read` turns into a
 * value (or undefined when malformed); problems name the field and index.
 */
function readList<T>(value: unknown, path: Array<string | number>, shape: string,
  problem: (path: Array<string | number>, message: string) => void, read: (item: Mapping, path: Array<string | number>) => T | undefined): T[] {
  const field = path.join('.');
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problem(path, `${field} must be a list of ${shape}`);
    return [];
  }
  const items: T[] = [];
  value.forEach((item: unknown, index: number) => {
    const result = isObject(item) ? read(item, [...path, index]) : undefined;
    if (result === undefined) problem([...path, index], `${field}[${index}] must be ${shape}`);
    else items.push(result);
  });
  return items;
}
