/**
 * How a group is matched in the auth proxy's groups header, a comma-separated list: Istio
 * matches header values only exactly, by prefix or by suffix, so a group is admitted as the whole
 * header, as its first entry (`g,*`) or as its last (`*,g`). None of the three admits another
 * group or a name that merely starts or ends with it. One encoder (contributors, the guard) and one
 * decoder (the isolation check, the access report).
 */

/** The header values that admit `group`. */
export function groupHeaderValues(group: string): string[] {
  return [group, `${group},*`, `*,${group}`];
}

/**
 * The group a groups-header value admits when it is one of `groupHeaderValues`' forms, else
 * undefined (a wildcard pattern, a list, or anything else that names no single group).
 */
export function groupOfHeaderValue(value: string): string | undefined {
  const group = value.startsWith('*,') ? value.slice(2) : value.endsWith(',*') ? value.slice(0, -2) : value;
  return group === '' || group.includes('*') || group.includes(',') ? undefined : group;
}
