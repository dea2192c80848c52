/** Who a tenant declares: users and groups, their roles, and the rules their fields follow. */
import { identityProblem } from './validation';

/** The access a contributor gets in a tenant namespace. */
export enum ContributorRole {
  /** Bound to ClusterRole `kubeflow-edit`: create and change workloads. */
  EDIT = 'edit',
  /** Bound to ClusterRole `kubeflow-view`: read only. */
  VIEW = 'view',
}

/** Whether an identity is a single user or a group of users. */
export enum IdentityKind {
  /** A user, matched on the user-id header (as KFAM does). */
  USER = 'User',
  /** A group, matched on the groups header that Kubeflow's auth proxy sets since 1.9. */
  GROUP = 'Group',
}

/** A contributor to a tenant, as declared in a catalog or a Profile. */
export interface ContributorOptions {
  /** The user's id (usually an e-mail) or the group's name, as the auth proxy reports it. */
  readonly name: string;

  /**
   * User or group.
   * @default IdentityKind.USER
   */
  readonly kind?: IdentityKind;

  /**
   * The access granted.
   * @default ContributorRole.EDIT
   */
  readonly role?: ContributorRole;
}

/** Messages for a contributor's own fields (identity, kind, role). */
export function contributorFieldProblems(options: ContributorOptions): string[] {
  const problems: string[] = [];
  const identity = identityProblem(options.name ?? '');
  if (identity) problems.push(`name ${identity}`);
  if (options.kind !== undefined && !Object.values(IdentityKind).includes(options.kind)) {
    problems.push(`kind "${options.kind}" is not allowed; use "User" or "Group"`);
  }
  if (options.role !== undefined && !Object.values(ContributorRole).includes(options.role)) {
    problems.push(`role "${options.role}" is not allowed; use "edit" or "view"`);
  }
  return problems;
}
