/**
 * Options that end up in Git (the Argo CD and Flux objects synth writes): no credentials in a URL,
 * valid Kubernetes names; each refused with the option named, on the command line and in code
 * (part of issue #26).
 */
import { TenancyApp } from '../src';
import { cli, synthText } from './support/cli';
import { gitOpsOptionProblems, repositoryUrlProblem, revisionProblem } from '../src/synth/gitops';

const CATALOG = 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n  - {name: team-a, owner: a@c.io}\n';

describe('repository URLs', () => {
  test.each([
    ['https://ghp_abc123@github.example.com/org/repo.git', 'holds a user name, which for http(s) is usually a token'],
    ['https://user:secret@git.example.com/org/repo.git', 'holds a password'],
    ['ssh://git:secret@git.example.com/org/repo.git', 'holds a password'],
    ['https://git.example.com/org/repo.git?private_token=abc', 'holds a credential in its query'],
    ['https://git.example.com/org/repo.git\n', 'holds whitespace or control characters'],
    ['ftp://git.example.com/repo', 'is not a Git URL scheme'],
    ['not a url', 'holds whitespace'],
    ['https://github.com\\@evil.com/x', 'holds "\\" or "#"'],
    ['https://github.com/x/y#tok', 'holds "\\" or "#"'],
    ['https://@github.com/x', 'holds a user name'],
  ])('refuses %j', (url, words) => expect(repositoryUrlProblem(url)).toContain(words));

  test.each(['../x', '--upload-pack=x', 'refs/heads/../x', 'HEAD~1', 'main.lock', 'a//b', 'feature/', '.hidden', 'x@{1}', 'a:b'])(
    'refuses the revision %j (git check-ref-format)', revision => expect(revisionProblem(revision)).toContain('is not a Git revision'));
  test.each(['HEAD', 'main', 'release/v1.2', 'v1.2.3', '0123456789abcdef0123456789abcdef01234567'])(
    'accepts the revision %j', revision => expect(revisionProblem(revision)).toBeUndefined());

  test.each([
    'https://git.example.com/org/repo.git', 'http://127.0.0.1:8080/repo.git', 'ssh://git@git.example.com/org/repo.git', 'git@github.com:org/repo.git',
  ])('accepts %s', url => expect(repositoryUrlProblem(url)).toBeUndefined());
});

describe('kf-tenancy synth names the option', () => {
  test.each([
    [['--argocd', '--repo-url', 'https://user:tok@git.example.com/r.git'], '--repo-url: holds a password'],
    [['--argocd', '--repo-url', 'https://git.example.com/r.git', '--revision', 'main branch'], '--revision: "main branch" is not a Git revision'],
    [['--flux', '--flux-source', 'Flux_Source'], '--flux-source: "Flux_Source" is not a DNS-1123 subdomain'],
  ])('%j', (args, message) => {
    const result = synthText(CATALOG, [...args, '--repo-path', 'dist']);
    expect({ code: result.code, written: result.written }).toEqual({ code: 1, written: [] });
    expect(result.stderr).toContain(message);
  });

  test('a clean URL and names are accepted', () => {
    const result = synthText(CATALOG, ['--argocd', '--repo-url', 'git@github.com:org/repo.git', '--flux', '--flux-source', 'tenants-repo', '--revision', 'release/v1', '--repo-path', 'dist']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(cli(['validate', result.input]).code).toBe(0);
  });
});

describe('TenancyApp names the property', () => {
  test.each([
    [{ argoCd: { repoUrl: 'https://tok@git.example.com/r.git' } }, 'argoCd.repoUrl: holds a user name'],
    [{ argoCd: { repoUrl: 'https://git.example.com/r.git', project: 'My Project' } }, 'argoCd.project: "My Project" is not a DNS-1123 subdomain'],
    [{ flux: { namespace: 'Flux' } }, 'flux.namespace: "Flux" is not a DNS-1123 label'],
    [{ flux: { interval: 'ten minutes' } }, 'flux.interval: "ten minutes" is not a duration'],
  ])('%j', (props, message) => expect(() => new TenancyApp(props)).toThrow(message));

  test('the pure check lists every problem at once', () => {
    expect(gitOpsOptionProblems({ repoUrl: 'https://a:b@h/r', namespace: 'X' }, { sourceName: '-x' })).toHaveLength(3);
  });
});
