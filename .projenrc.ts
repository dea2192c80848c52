import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-kubeflow-tenancy',
  description: 'cdk8s constructs that synthesize secure, Kubeflow-compatible multi-tenant manifests (profiles, contributors, quotas) for GitOps.',
  author: 'cdk8s-kubeflow-tenancy maintainers',
  authorAddress: 'maintainers@users.noreply.example',
  repositoryUrl: 'https://example.invalid/cdk8s-kubeflow-tenancy.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jsiiVersion: '~6.0.0',
  keywords: ['cdk8s', 'kubeflow', 'multi-tenancy', 'gitops', 'istio'],

  // The Python package (jsii-pacmak builds the wheel into dist-pkg/python).
  publishToPypi: {
    distName: 'cdk8s-kubeflow-tenancy',
    module: 'cdk8s_kubeflow_tenancy',
  },

  // `dist/` is where `cdk8s synth` writes manifests; the npm/jsii packages go elsewhere.
  artifactsDirectory: 'dist-pkg',

  // No hosted CI or release pipeline: `.ci/run` is the CI entry point.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  devDeps: [
    'cdk8s-plus-28@2.5.6',
    'cdk8s-cli@2.207.60',
    'kubernetes-models@4.5.1',
    '@kubernetes-models/istio@2.3.0',
    '@kubernetes-models/gateway-api@0.5.1',
    'ts-json-schema-generator@2.4.0',
    '@kubernetes-models/argo-cd@2.7.2',
    '@kubernetes-models/flux-cd@2.3.4',
    // Prometheus' own PromQL grammar, to check that every generated expression parses.
    '@prometheus-io/lezer-promql@0.315.0',
    '@lezer/lr@1.4.12',
    '@lezer/highlight@1.2.5',
    // Applies patches/ to dependencies at install (see the prepare task).
    'patch-package@8.0.1',
    // Property-based and fuzz tests (hostile input).
    'fast-check@4.10.2',
    '@types/js-yaml@^4.0.9',
  ],
  // Non-jsii runtime dependencies must be bundled into the jsii package.
  // js-yaml reads the output folder back for the access report: ten times faster than yaml's
  // document model, which the catalog readers keep for its line numbers.
  bundledDeps: ['yaml@2.9.1', 'commander@^14.0.3', 'ajv@^8.17.1', 'ipaddr.js@^2.2.0', 'js-yaml@^4.1.0', 'fastest-levenshtein@^1.0.16'],
  bin: { 'kf-tenancy': 'bin/kf-tenancy' },

  jestOptions: {
    // jest 30 and eslint-import-resolver-typescript 4 need unrs-resolver, whose per-platform
    // optional packages this registry does not all serve, which breaks `npm ci`.
    jestVersion: '^29',
    // Snapshots must fail when output changes; never rewrite them in CI.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    coverageText: false,
    jestConfig: {
      testTimeout: 180_000,
      coverageReporters: ['text-summary'],
      // schema/ holds generated code (the catalog validator), as src/imports/ does.
      coveragePathIgnorePatterns: ['/node_modules/', '/schema/', '/src/imports/'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts', 'bench'],
    ignorePatterns: ['src/imports/**', '*.d.ts', '*.generated.ts', 'node_modules/'],
  },
  gitignore: ['/dist/', '/dist-pkg/', '/.tmp/', 'cdk8s.out/', '__pycache__/', '.pytest_cache/'],
});

// The pipeline's layers (CONTRIBUTING.md): imports point one way, read -> model -> build ->
// check -> write. core/ is pure rules; constructs/ build on core/; catalog/ reads files into the
// model (core/, and constructs' prop types only); analysis/ reads manifests (core/ only); synth/
// puts everything together; nothing imports cli/. test/architecture.test.ts checks that these
// rules hold and that they fail on a wrong-way import or a cycle.
const LAYERS_FROM_CLI = { from: './src/cli', message: 'nothing imports the command line; move what you need into a library layer' };
project.eslint?.addRules({
  'import/no-cycle': ['error', { ignoreExternal: true }],
  'import/no-restricted-paths': ['error', {
    zones: [
      { target: './src/core', from: './src', except: ['./core'], message: 'core/ holds pure rules and imports nothing else of the library' },
      { target: './src/constructs', from: './src', except: ['./core', './constructs', './imports'], message: 'constructs/ build on core/ only' },
      { target: './src/catalog', from: ['./src/analysis', './src/synth', './src/cli', './src/imports'], message: 'catalog/ reads files into the model: core/ and constructs\' prop types only' },
      { target: './src/analysis', from: './src', except: ['./core', './analysis'], message: 'analysis/ reads manifests, never constructs or files: core/ only' },
      { target: ['./src/core', './src/constructs', './src/catalog', './src/analysis', './src/synth', './src/index.ts', './src/validation-plugin.ts'], ...LAYERS_FROM_CLI },
    ],
  }],
});
// Library code says what it handles: manifests are typed (src/core/manifest.ts), unchecked input is
// `unknown` until a reader narrows it. Generated imports are excluded by ignorePatterns.
project.eslint?.addOverride({
  files: ['src/**/*.ts'],
  rules: {
    '@typescript-eslint/no-explicit-any': 'error',
    // One job per file, one step per function (CONTRIBUTING.md): a file that outgrows 400 lines holds
    // two jobs, a function over 80 lines several steps. Generated imports are excluded by ignorePatterns.
    'max-lines': ['error', { max: 400 }],
    'max-lines-per-function': ['error', { max: 80 }],
  },
});
project.eslint?.addOverride({
  files: ['src/catalog/**/*.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', {
      patterns: [{ regex: '/constructs/', allowTypeImports: true, message: 'catalog/ may use constructs\' prop types (import type), never the constructs themselves' }],
    }],
  },
});

// v4 needs unrs-resolver (see jestVersion); v3 resolves the same imports without it.
project.addDevDeps('eslint-import-resolver-typescript@3.6.3');

project.addTask('bench', {
  description: 'Synthesis benchmark: library vs the plain-YAML floor at 100, 1,000 and 10,000 tenants (--json, --sizes, --runs)',
  exec: 'ts-node --transpile-only bench/bench.ts',
  receiveArgs: true,
});

project.addTask('schema', {
  description: 'Regenerate schema/tenant-catalog.schema.json from src/catalog/catalog-file.ts',
  exec: 'ts-node --project test/tsconfig.json scripts/catalog-schema.ts',
});

project.addTask('data', {
  description: 'Regenerate data/kubeflow-clusterroles.json (read by the library) from data/kubeflow-clusterroles.yaml',
  exec: 'ts-node --project scripts/tsconfig.json scripts/cluster-roles-json.ts',
});

project.addTask('test:integration', {
  description: 'Integration tests against kube-apiserver, kube-controller-manager and etcd built from source (test/controlplane; needs Go)',
  exec: 'jest --config test/integration/jest.config.json --runInBand',
  receiveArgs: true,
});
project.addTask('test:unit', {
  description: 'The edit loop: jest, eslint and the API reference check; no Go, no Python (npm test runs everything)',
  steps: [
    { exec: 'jest --passWithNoTests --ci', receiveArgs: true },
    { spawn: 'eslint' },
    { exec: 'ts-node --project scripts/tsconfig.json scripts/api-docs.ts' },
  ],
});
project.addTask('test:python', {
  description: 'Build the Python wheel and check that the Python example writes the same bytes as the TypeScript one (pytest)',
  exec: 'python3 -m pytest examples/python -q --junitxml=test-reports/python-junit.xml',
  receiveArgs: true,
});
// `npm test` goes on with the API reference check, the Python package and the integration suite;
// the last two say so when Python or Go is missing.
project.testTask.exec('ts-node --project scripts/tsconfig.json scripts/api-docs.ts');
// The benchmark, tiny (5 tenants, one run, and the example's cdk8s synth), so it cannot break unnoticed.
project.testTask.exec('ts-node --transpile-only bench/bench.ts --sizes 5 --runs 1');
// ...and with GPU queues on (a ClusterQueue and LocalQueue per tenant, and `kf-tenancy capacity`).
project.testTask.exec('ts-node --transpile-only bench/bench.ts --sizes 5 --runs 1 --kueue --no-cdk8s');
project.testTask.exec('ts-node --project scripts/tsconfig.json scripts/python-check.ts');
project.testTask.exec('ts-node --project scripts/tsconfig.json scripts/integration.ts');

// `npm ci` in a clone runs `prepare`, so every README command works right after it: the
// kf-tenancy command and `cdk8s synth` run the compiled lib/. npm runs `prepare` for local
// installs and before `npm pack`, never when the package is installed from a registry.
// patches/ quiets cdk8s-cli's upgrade check, which printed a child's stack trace when offline.
project.addTask('prepare', {
  description: 'After npm ci: apply patches/ to dependencies, then compile lib/',
  steps: [{ exec: 'patch-package' }, { spawn: 'compile' }],
});

// jsii-pacmak adds this line itself when it is missing.
project.npmignore?.exclude('dist-pkg');

for (const pattern of ['/scripts/', '/examples/', '/.ci/', '/cdk8s.yaml', '/dist/', '/dist-pkg/', '/bench/', '/.tmp/', '/imports/', '/patches/']) {
  project.npmignore?.exclude(pattern);
}

project.synth();
