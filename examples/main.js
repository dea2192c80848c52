// Entry point of `cdk8s synth` (see cdk8s.yaml): reads the example catalog and writes
// dist/tenants/<name>/ with kustomizations, ready for Argo CD or Flux.
//
// Plain JavaScript over the compiled library (lib/, which `npm ci` builds in its prepare step),
// so the synth does not type-check or transpile the library on every run. examples/teams.ts is
// the same four teams declared in TypeScript.
const fs = require('fs');
const path = require('path');

const lib = path.join(__dirname, '..', 'lib', 'index.js');
if (!fs.existsSync(lib)) {
  process.stderr.write('examples/main.js: lib/ is not built; run `npx projen compile` (npm ci does it) and synth again\n');
  process.exit(1);
}
const { Chart } = require('cdk8s');
const { TenancyApp, TenantCatalog } = require(lib);

const app = new TenancyApp();
TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [path.join(__dirname, 'tenants.yaml')]);
app.synth();
