/**
 * Entry point of the cdk8s-cli validation plugin (`package: .../lib/validation-plugin.js`,
 * `class: IsolationCheck` in cdk8s.yaml). The path is part of the documented interface, so it
 * stays here while the plugin lives with the rest of the synthesis in `synth/`.
 */
export { IsolationCheck, IsolationCheckProperties, PluginContext } from './synth/isolation-plugin';
