// Entry point of `cdk8s synth` (see cdk8s.yaml): writes dist/tenants/<name>/manifests.yaml.
import { TenancyApp } from '../src';
import { ExampleTeams } from './teams';

const app = new TenancyApp();
new ExampleTeams(app, 'example-teams');
app.synth();
