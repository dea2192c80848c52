import {
  awsRoleArnProblem,
  dnsLabelProblem,
  gcpServiceAccountProblem,
  identityProblem,
  labelKeyProblem,
  labelValueProblem,
  namespaceNameProblem,
  unknownKeyMessage,
} from '../src/core/validation';

describe('namespace names', () => {
  test('accepts DNS-1123 labels up to 63 characters', () => {
    expect(namespaceNameProblem('team-a')).toBeUndefined();
    expect(namespaceNameProblem('a'.repeat(63))).toBeUndefined();
  });
  test('refuses long, malformed and reserved names with a hint', () => {
    expect(dnsLabelProblem('a'.repeat(64))).toContain('at most 63');
    expect(dnsLabelProblem('Team_A')).toContain('did you mean "team-a"?');
    expect(dnsLabelProblem('-team')).toContain('not a DNS-1123 label');
    for (const reserved of ['kube-system', 'kube-public', 'kube-node-lease', 'default', 'kubeflow', 'istio-system', 'cert-manager', 'auth', 'knative-serving', 'kube-anything']) {
      expect(namespaceNameProblem(reserved)).toContain('is a reserved namespace');
    }
  });
});

describe('identities', () => {
  test.each(['alice@company.com', 'Jane.Doe+ml@Example.COM', 'ml-engineers', 'cn=ml,ou=groups'.replace(',', ';')])('accepts %s', id => {
    expect(identityProblem(id)).toBeUndefined();
  });
  test.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['bad @x.io', 'whitespace'],
    ['a,b', 'contains ","'],
    ['system:authenticated', 'system identity'],
    ['System:Masters', 'system identity'],
    ['*', 'match everyone'],
    ['@@', 'no letter or digit'],
    ['a@b@c', 'not a well-formed e-mail'],
    ['a@', 'not a well-formed e-mail'],
    ['a@.com', 'not a well-formed e-mail'],
  ])('refuses %j', (id, message) => {
    expect(identityProblem(id)).toContain(message);
  });
});

describe('labels and plugins', () => {
  test('label keys and values', () => {
    expect(labelKeyProblem('example.com/team')).toBeUndefined();
    expect(labelKeyProblem('Bad Key')).toContain('invalid');
    expect(labelKeyProblem('UPPER.COM/x')).toContain('invalid prefix');
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('x'.repeat(64))).toContain('invalid');
  });
  test('GCP service accounts and AWS role ARNs', () => {
    expect(gcpServiceAccountProblem('team-a@proj.iam.gserviceaccount.com')).toBeUndefined();
    expect(gcpServiceAccountProblem('team-a@gmail.com')).toContain('not a GCP service account');
    expect(awsRoleArnProblem('arn:aws:iam::123456789012:role/team-a')).toBeUndefined();
    expect(awsRoleArnProblem('arn:aws-us-gov:iam::123456789012:role/path/team-a')).toBeUndefined();
    expect(awsRoleArnProblem('')).toContain('is empty');
    expect(awsRoleArnProblem('arn:aws:iam::123:role/x')).toContain('not an IAM role ARN');
  });
});

describe('unknownKeyMessage', () => {
  test.each([
    ['rol', ['kind', 'name', 'role'], 'did you mean "role"?'],
    ['nmae', ['kind', 'name', 'apiGroup'], 'did you mean "name"?'],
    ['Spec', ['apiVersion', 'kind', 'metadata', 'spec'], 'did you mean "spec"?'],
    ['contributers', ['owner', 'contributors'], 'did you mean "contributors"?'],
  ])('%s: suggests the likely key', (key, known, hint) => expect(unknownKeyMessage(key, known)).toContain(hint));

  test('an unrelated key gets the known keys but no guess', () => {
    const message = unknownKeyMessage('colour', ['kind', 'name', 'role']);
    expect(message).toBe('unknown key "colour" (known: kind, name, role)');
  });
});
