/**
 * A problem with the input, as data. Checks return problems; they are turned into text once,
 * by {@link formatProblem}, for the command line, errors and the cdk8s validation plugin, which
 * reads the object and the fix from their fields. Nothing parses a message back.
 */
export interface Problem {
  /** The file and line the input was read from (`tenants.yaml:12`), when it was read from a file. */
  readonly location?: string;
  /** The tenant the problem belongs to. */
  readonly tenant?: string;
  /** The object the problem is about, as `Kind namespace/name` (or `Kind name` when cluster-scoped). */
  readonly object?: string;
  /** The field of the input, as a path (`networkPolicy.clusterCidrs[0]`). */
  readonly field?: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix?: string;
}

/** Either form a check may report: a problem, or a message that carries no structure of its own. */
export type Reported = string | Problem;

/** A reported problem as data: a plain message becomes a problem with only a message. */
export function asProblem(reported: Reported): Problem {
  return typeof reported === 'string' ? { message: reported } : reported;
}

/**
 * The one text form of a problem: `<location>: tenant "<tenant>": <field>: <message>; <fix>`,
 * each part present only when known. The object is named inside the message.
 */
export function formatProblem(problem: Problem): string {
  const where = [problem.location, problem.tenant === undefined ? undefined : `tenant "${problem.tenant}"`, problem.field]
    .filter((part): part is string => part !== undefined && part !== '');
  return `${where.map(part => `${part}: `).join('')}${problem.message}${problem.fix ? `; ${problem.fix}` : ''}`;
}

/** The problems with `tenant` set (when they have none), for checks that report for one tenant. */
export function inTenant(tenant: string, reported: readonly Reported[]): Problem[] {
  return reported.map(r => {
    const problem = asProblem(r);
    return problem.tenant === undefined ? { ...problem, tenant } : problem;
  });
}

/** Problems of a cluster-wide setting, their fields under `cluster` as the catalog spells them (`cluster.kueue.flavors`). */
export function inCluster(problems: readonly Problem[]): Problem[] {
  return problems.map(p => ({ ...p, field: p.field === undefined ? 'cluster' : `cluster.${p.field}` }));
}

/** The problems with `location` set (when they have none): where the input was read. */
export function atLocation(location: string | undefined, reported: readonly Reported[]): Problem[] {
  return reported.map(r => {
    const problem = asProblem(r);
    return location === undefined || problem.location !== undefined ? problem : { ...problem, location };
  });
}

/** A problem with its fields in one order (location, tenant, object, field, message, fix), absent ones left out: stable JSON. */
export function problemRecord(problem: Problem): Problem {
  const { location, tenant, object, field, message, fix } = problem;
  const ordered = { location, tenant, object, field, message, fix };
  return Object.fromEntries(Object.entries(ordered).filter(([, v]) => v !== undefined)) as unknown as Problem;
}
