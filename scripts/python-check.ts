/**
 * The Python step of `npm test`: builds the wheel and runs the pytest
 * comparison (examples/python) when Python 3 with pytest is available, and says
 * clearly that it did not run otherwise. `.ci/run` requires its report.
 */
import { spawnSync } from 'child_process';

const python = process.env.PYTHON ?? 'python3';
if (spawnSync(python, ['-m', 'pytest', '--version'], { stdio: 'ignore' }).status !== 0) {
  console.log(`Python check NOT run: ${python} with pytest not found; install them and run \`npm run test:python\`.`);
  process.exit(0);
}
const result = spawnSync('npx', ['projen', 'test:python'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
