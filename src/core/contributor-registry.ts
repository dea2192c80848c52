/**
 * Tracks a tenant's contributors and says why one cannot be added: it is the
 * owner, it is already there, or its KFAM name collides with another's.
 */
import { contributorBindingName } from './naming';
import { Problem } from './problem';

/** The key under which two declarations mean the same person or group (e-mails are case-insensitive). */
function identityKey(kind: string, name: string): string {
  return `${kind}:${name.toLowerCase()}`;
}

export class ContributorRegistry {
  private readonly roles = new Map<string, string>();
  private readonly identitiesByStem = new Map<string, string>();
  private readonly ownerKey: string;
  private readonly added: Array<{ kind: string; name: string }> = [];

  constructor(owner: string) {
    this.ownerKey = identityKey('User', owner);
  }

  /** Adds the contributor and returns undefined, or returns why it cannot be added. */
  public add(kind: string, name: string, role: string): Problem | undefined {
    const key = identityKey(kind, name);
    if (key === this.ownerKey) return { message: 'is the owner, who already has admin access', fix: 'remove it from the contributors' };
    const previousRole = this.roles.get(key);
    if (previousRole !== undefined) return { message: `is listed twice (as ${previousRole} and ${role})`, fix: 'keep one entry' };
    // KFAM names differ only in the role suffix, so compare names without it.
    const stem = contributorBindingName(kind, name, '');
    const clash = this.identitiesByStem.get(stem);
    if (clash !== undefined) {
      return { message: `collides with contributor "${clash}": both are named "${stem}<role>" by KFAM, which cannot tell them apart`, fix: 'keep one' };
    }
    this.roles.set(key, role);
    this.identitiesByStem.set(stem, name);
    this.added.push({ kind, name });
    return undefined;
  }

  /** The contributors added, in order, as given. */
  public members(): ReadonlyArray<{ kind: string; name: string }> {
    return this.added;
  }
}
