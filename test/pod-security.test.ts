import { PodSecurityLevel } from '../src';
import { only, synthTenant } from './support/synth';

const psa = (objects: any[]) => Object.fromEntries(Object.entries<string>(only(objects, 'Namespace', 'team-a').metadata.labels)
  .filter(([k]) => k.startsWith('pod-security.kubernetes.io/')));

describe('Pod Security Admission', () => {
  test('baseline by default for enforce, warn and audit', () => {
    expect(psa(synthTenant({ owner: 'a@c.io' }))).toEqual({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'baseline',
      'pod-security.kubernetes.io/audit': 'baseline',
    });
  });

  test('restricted, with a stricter warning level kept separately', () => {
    expect(psa(synthTenant({ owner: 'a@c.io', podSecurity: { enforce: PodSecurityLevel.BASELINE, warn: PodSecurityLevel.RESTRICTED } }))).toEqual({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'baseline',
    });
  });

  test('privileged needs a reason, recorded as an annotation', () => {
    expect(() => synthTenant({ owner: 'a@c.io', podSecurity: { enforce: PodSecurityLevel.PRIVILEGED } }))
      .toThrow('tenant "team-a": podSecurity.privilegedReason: enforce "privileged" turns off pod security for the tenant; say why in a sentence here');
    const objects = synthTenant({ owner: 'a@c.io', podSecurity: { enforce: PodSecurityLevel.PRIVILEGED, privilegedReason: 'GPU driver debugging, ticket OPS-42' } });
    expect(psa(objects)['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(only(objects, 'Namespace', 'team-a').metadata.annotations).toEqual({
      'owner': 'a@c.io',
      'kf-tenancy.io/privileged-reason': 'GPU driver debugging, ticket OPS-42',
    });
  });

  test.each([
    [{ enforce: 'strict' as PodSecurityLevel }, 'podSecurity.enforce: "strict" is not a Pod Security level; use "baseline", "restricted" or "privileged"'],
    [{ audit: 'none' as PodSecurityLevel }, 'podSecurity.audit: "none" is not a Pod Security level'],
    [{ privilegedReason: 'because' }, 'podSecurity.privilegedReason: given, but no level is "privileged"'],
    // Every off switch needs a reason, a sentence long, and a reason needs its switch.
    [{ enforce: PodSecurityLevel.PRIVILEGED, privilegedReason: 'x' }, 'podSecurity.privilegedReason: enforce "privileged" turns off pod security'],
    [{ enabled: false }, 'podSecurity.disabledReason: enabled: false turns off pod security for the tenant'],
    [{ enabled: false, disabledReason: ' ' }, 'podSecurity.disabledReason: enabled: false turns off pod security'],
    [{ disabledReason: 'left over from last year' }, 'podSecurity.disabledReason: given, but enabled: false is not set'],
  ])('refuses %j', (options, message) => {
    expect(() => synthTenant({ owner: 'a@c.io', podSecurity: options })).toThrow(message);
  });

  test('turned off with a reason, the namespace carries no Pod Security label', () => {
    const objects = synthTenant({ owner: 'a@c.io', podSecurity: { enabled: false, disabledReason: 'legacy GPU images run as root until Q3' } });
    const labels = objects.find(o => o.kind === 'Namespace').metadata.labels;
    expect(Object.keys(labels).filter(k => k.startsWith('pod-security.kubernetes.io/'))).toEqual([]);
  });

  test('the labels cannot be set through namespaceLabels', () => {
    expect(() => synthTenant({ owner: 'a@c.io', namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }))
      .toThrow('namespaceLabels: "pod-security.kubernetes.io/enforce" is set by podSecurity; set the level there instead');
  });
});
