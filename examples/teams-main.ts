// Synthesizes the TypeScript example teams (examples/teams.ts) into the folder given as the first
// argument (default: dist-teams); the Python example (examples/python) must write the same bytes.
import { TenancyApp } from '../src';
import { ExampleTeams } from './teams';

const app = new TenancyApp({ outdir: process.argv[2] ?? 'dist-teams' });
new ExampleTeams(app, 'example-teams');
app.synth();
