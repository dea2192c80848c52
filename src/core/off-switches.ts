/**
 * Settings that turn a protection off (Pod Security, network policies, ...) need a stated reason
 * wherever they can be turned off: the reason is reviewed in the pull request that turns it off,
 * and a reason given where nothing is off is refused, so it cannot linger after the switch is back on.
 */

/** Shortest reason accepted: a sentence, not "x". */
export const MIN_REASON_LENGTH = 10;

/**
 * The problem with one off switch: `setting` (as written) turns off what `effect` says; `isOff`
 * whether it is off; `reason` the reason given. The caller prefixes the reason's field.
 */
export function offSwitchProblem(setting: string, effect: string, isOff: boolean, reason: string | undefined): string | undefined {
  if (isOff && (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH)) {
    return `${setting} ${effect}; say why in a sentence here (it is reviewed with the change)`;
  }
  if (!isOff && reason !== undefined) return `given, but ${setting} is not set; drop the reason`;
  return undefined;
}
