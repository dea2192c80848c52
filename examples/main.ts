// Entry point of `cdk8s synth` (see cdk8s.yaml): reads the example catalog and
// writes dist/tenants/<name>/ with kustomizations, ready for Argo CD or Flux.
import * as path from 'path';
import { Chart } from 'cdk8s';
import { TenancyApp, TenantCatalog } from '../src';

const app = new TenancyApp();
TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [path.join(__dirname, 'tenants.yaml')]);
app.synth();
