// cdk8s-cli loads validation plugins by path (see cdk8s.yaml). In this repository the plugin
// is taken from source through ts-node, so `cdk8s synth` works before the library is built;
// platform repos point at node_modules/cdk8s-kubeflow-tenancy/lib/validation-plugin.js instead.
const path = require('path');
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, 'tsconfig.json') });
module.exports = require('../src/validation-plugin');
