/**
 * A stand-in for Kubeflow's profile controller, which the test cluster does not run: from each
 * Profile as the server holds it, the objects the controller writes (the library's own
 * derivation, checked against the controller's source in the unit tests), applied as the
 * controller's service account under a field manager of its own.
 */
import * as fs from 'fs';
import * as path from 'path';
import { api, kubectl, PROFILE_CONTROLLER, tempDir } from './cluster';
import { ResolvedKubeflowAuth } from '../../../src/core/auth-options';
import { profileControllerObjects, profileDeclaration } from '../../../src/core/kubeflow-profile';

export const CONTROLLER_MANAGER = 'profile-controller-stand-in';

/** What the controller writes for the named Profiles, read from the server. */
export async function profileControllerWrites(profiles: string[], authOf: (profile: string) => ResolvedKubeflowAuth): Promise<any[]> {
  const objects: any[] = [];
  for (const name of profiles) {
    const stored = (await api('GET', `/apis/kubeflow.org/v1/profiles/${name}`)).json;
    objects.push(...profileControllerObjects(profileDeclaration(stored)!, authOf(name), 'security.istio.io/v1beta1'));
  }
  return objects;
}

/**
 * Applies `objects` as the controller; returns the file they were written to. A guard another
 * suite applied before may still be in effect for a moment (policies are replaced
 * asynchronously), so a refusal by an admission policy is retried until the current one answers.
 */
export async function playProfileController(objects: any[]): Promise<string> {
  const file = path.join(tempDir(), 'controller.yaml');
  fs.writeFileSync(file, objects.map(o => JSON.stringify(o)).join('\n---\n'));
  for (let attempt = 0; ; attempt++) {
    const played = kubectl(['apply', '--server-side', '--field-manager', CONTROLLER_MANAGER, '-f', file], { as: PROFILE_CONTROLLER });
    if (played.code === 0) return file;
    if (!played.stderr.includes('ValidatingAdmissionPolicy') || attempt >= 240) throw new Error(`playing the profile controller failed:\n${played.stderr}`);
    await new Promise(r => setTimeout(r, 250));
  }
}
