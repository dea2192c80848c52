/** Jest global teardown of the integration suite: stops every process the setup started. */
import * as fs from 'fs';
import { ControlPlane } from './support/controlplane';

export default async function globalTeardown(): Promise<void> {
  const plane = (globalThis as any).__kfTenancyControlPlane as ControlPlane | undefined;
  if (!plane) return;
  await plane.stop();
  if (!process.env.KF_TENANCY_KEEP_CONTROLPLANE) fs.rmSync(plane.details.workDir, { recursive: true, force: true });
}
