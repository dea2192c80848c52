// The isolation check as a cdk8s-cli validation plugin, loaded from source through ts-node, so
// the test of `cdk8s synth` with the plugin checks src/ as it is now rather than a compiled lib/.
const path = require('path');
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
module.exports = require('../../src/synth/isolation-plugin');
