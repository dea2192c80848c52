import { parseYamlSource, SourceDocument } from './yaml-source';
import type { ProfilePlugin, ProfilePluginKind, TenantProfileProps } from '../constructs/tenant/tenant-profile';
import { ContributorOptions, ContributorRole, IdentityKind } from '../core/identity';
import { notAString, throwIfAny } from '../core/validation';

const PROFILE_API_VERSIONS = ['kubeflow.org/v1', 'kubeflow.org/v1beta1'];
const SPEC_KEYS = ['owner', 'resourceQuotaSpec', 'plugins', 'contributors'];

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
    value.items.forEach((item: unknown, index: number) => readProfile(item, doc.locate(['items', index]), profiles, errors));
  } else {
    readProfile(value, doc.locate([]), profiles, errors);
  }
  return profiles;
}

function readProfile(value: unknown, location: string, profiles: ProfileSource[], errors: string[]): void {
  if (!isObject(value) || value.kind !== 'Profile' || typeof value.apiVersion !== 'string' || !PROFILE_API_VERSIONS.includes(value.apiVersion)) {
    const what = isObject(value) ? `${String(value.apiVersion ?? '?')} ${String(value.kind ?? '?')}` : typeof value;
    errors.push(`${location}: not a Kubeflow Profile (found ${what}); expected apiVersion ${PROFILE_API_VERSIONS.join(' or ')}, kind Profile`);
    return;
  }
  const name = isObject(value.metadata) ? value.metadata.name : undefined;
  if (name !== undefined && name !== null && typeof name !== 'string') {
    errors.push(`${location}: metadata.name: ${notAString(name)}`);
    return;
  }
  if (typeof name !== 'string' || name === '') {
    errors.push(`${location}: Profile has no metadata.name; add the tenant name`);
    return;
  }
  const problems: string[] = [];
  const spec = isObject(value.spec) ? value.spec : {};
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.includes(key)) problems.push(`spec.${key} is not supported; known fields: ${SPEC_KEYS.join(', ')}`);
  }

  const owner = spec.owner;
  let ownerName = '';
  if (isObject(owner) && owner.name !== undefined && typeof owner.name !== 'string') {
    problems.push(`spec.owner.name: ${notAString(owner.name)}`);
  } else if (!isObject(owner) || typeof owner.name !== 'string') {
    problems.push('spec.owner must be {kind: User, name: <user id>}');
  } else if (owner.kind !== undefined && owner.kind !== 'User') {
    problems.push(`spec.owner.kind "${String(owner.kind)}" is not allowed; a Profile is owned by a User`);
  } else {
    ownerName = owner.name;
  }

  let resourceQuota: Record<string, string> | undefined;
  const quotaSpec = spec.resourceQuotaSpec;
  if (quotaSpec !== undefined && quotaSpec !== null) {
    if (!isObject(quotaSpec)) {
      problems.push('spec.resourceQuotaSpec must be a mapping with "hard"');
    } else {
      for (const key of Object.keys(quotaSpec)) {
        if (key !== 'hard') problems.push(`spec.resourceQuotaSpec.${key} is not supported; only "hard" limits are`);
      }
      if (quotaSpec.hard !== undefined && !isObject(quotaSpec.hard)) {
        problems.push('spec.resourceQuotaSpec.hard must be a mapping of resource to quantity');
      } else if (quotaSpec.hard) {
        resourceQuota = {};
        for (const [key, quantity] of Object.entries(quotaSpec.hard)) resourceQuota[key] = String(quantity);
      }
    }
  }

  const plugins = readList(spec.plugins, 'spec.plugins', '{kind, spec}', problems, plugin => {
    if (typeof plugin.kind !== 'string') return undefined;
    const pluginSpec = isObject(plugin.spec) ? plugin.spec : {};
    return {
      kind: plugin.kind as ProfilePluginKind,
      gcpServiceAccount: pluginSpec.gcpServiceAccount,
      awsIamRole: pluginSpec.awsIamRole,
      annotateOnly: pluginSpec.annotateOnly,
    } as ProfilePlugin;
  });

  const contributors = readList(spec.contributors, 'spec.contributors', '{kind: User|Group, name, role}', problems, contributor => {
    if (typeof contributor.name !== 'string') return undefined;
    return {
      name: contributor.name,
      kind: (contributor.kind ?? IdentityKind.USER) as IdentityKind,
      role: (contributor.role ?? ContributorRole.EDIT) as ContributorRole,
    } as ContributorOptions;
  });

  if (problems.length > 0) {
    errors.push(...problems.map(p => `${location}: tenant "${name}": ${p}`));
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
function readList<T>(value: unknown, field: string, shape: string, problems: string[], read: (item: Mapping) => T | undefined): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${field} must be a list of ${shape}`);
    return [];
  }
  const items: T[] = [];
  value.forEach((item: unknown, index: number) => {
    const result = isObject(item) ? read(item) : undefined;
    if (result === undefined) problems.push(`${field}[${index}] must be ${shape}`);
    else items.push(result);
  });
  return items;
}
