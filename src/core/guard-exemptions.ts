/** The guard's exemptions checked against each tenant: none may cover a tenant's own members. */
import type { ResolvedGuardSettings } from './guard-policies';
import { Problem } from './problem';

/**
 * Guard settings that exempt or trust a tenant's own member, one of its service accounts or their
 * group: that member would pass every guard policy and could rewrite the tenant at will. Each
 * message names the setting and the tenant.
 */
export function exemptionProblems(settings: ResolvedGuardSettings, tenant: { name: string; users: string[]; groups: string[] }): Problem[] {
  const serviceAccountPrefix = `system:serviceaccount:${tenant.name}:`;
  const serviceAccountsGroup = `system:serviceaccounts:${tenant.name}`;
  const userWhy = (name: string) => (tenant.users.includes(name) ? 'a member of the tenant'
    : name.startsWith(serviceAccountPrefix) ? 'a service account of the tenant\'s namespace, whose pods its members run' : undefined);
  const groupWhy = (name: string) => (tenant.groups.includes(name) ? 'a group the tenant declares'
    : name === serviceAccountsGroup ? 'the group of the tenant\'s service accounts' : undefined);
  const exemptions: Array<[string, string[], (name: string) => string | undefined, string]> = [
    ['gitOpsIdentities', settings.gitOpsIdentities, userWhy, 'Name a platform identity'],
    ['platformUsers', settings.platformUsers, userWhy, 'Name a platform identity'],
    ['profileControllerIdentity', settings.profileControllerIdentity === undefined ? [] : [settings.profileControllerIdentity], userWhy, 'Name a platform identity'],
    ['kueueControllerIdentity', settings.queues && settings.kueueIdentity !== undefined ? [settings.kueueIdentity] : [], userWhy, 'Name Kueue\'s own service account'],
    ['breakGlassGroups', settings.breakGlassGroups, groupWhy, 'Name a group only platform admins join'],
    ['platformGroups', settings.platformGroups, groupWhy, 'Name a group only platform admins join'],
  ];
  const problems: Problem[] = [];
  for (const [field, names, why, instead] of exemptions) {
    for (const name of names) {
      const reason = why(name);
      if (reason === undefined) continue;
      problems.push({
        tenant: tenant.name,
        field: `guard.${field}`,
        message: `"${name}" is ${reason}`,
        fix: `exempting it would let the tenant change its own access past the guard. ${instead}`,
      });
    }
  }
  return problems;
}
