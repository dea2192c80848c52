/**
 * The integration step of `npm test`: the suite against a real kube-apiserver
 * when Go is installed (it builds the control plane from source), and a clear
 * line saying it did not run when Go is missing. `.ci/run` requires it.
 */
import { spawnSync } from 'child_process';

if (spawnSync('go', ['version'], { stdio: 'ignore' }).error) {
  console.log('integration tests NOT run: Go is not installed (they build kube-apiserver from source); '
    + 'install Go and run `npm run test:integration`. Unit tests above ran.');
  process.exit(0);
}
const result = spawnSync('npx', ['projen', 'test:integration'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
