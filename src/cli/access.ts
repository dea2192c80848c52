/** `kf-tenancy access`: who can do what where, from the output folder (or what changed since another). */
import * as fs from 'fs';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Command } from 'commander';
import { CommandContext, writeJsonFile } from './output';
import { accessDiffReport, accessMarkdown, accessMatrix, accessReuse, accessViewer, DEFAULT_REPORT_CHARS } from '../analysis/access';
import { ManifestCache, readManifestDir } from '../catalog/manifest-reader';
import { readYamlFiles } from '../catalog/yaml-source';
import { authProblemsAt, resolveAuth } from '../core/auth-options';
import { kubeflowClusterRoles } from '../core/kubeflow-cluster-roles';
import { DEFAULT_GROUPS_HEADER, DEFAULT_INGRESS_GATEWAY_PRINCIPAL, DEFAULT_USER_ID_HEADER } from '../core/kubeflow-defaults';
import { isManifest, Manifest } from '../core/manifest';
import { TenancyValidationError } from '../core/validation';

/**
 * A full garbage collection, between the two halves of a diff: V8 otherwise lets garbage of the
 * first grow the heap well past what is alive before it collects, and peak memory is what users
 * of large platforms run out of. `--expose-gc` set at run time gives a context created after it
 * a `gc` function.
 */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

interface AccessCommandOptions {
  readonly json?: string;
  readonly diff?: string;
  readonly clusterRoles?: string;
  readonly userIdHeader: string;
  readonly userIdPrefix: string;
  readonly groupsHeader: string;
  readonly ingressGatewayPrincipal: string;
  readonly maxChars: string;
}

function readFolder(dir: string, view: (manifest: Manifest) => Manifest | undefined, cache?: ManifestCache): Manifest[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TenancyValidationError([`${dir}: not a folder; give the output folder of kf-tenancy synth`]);
  return readManifestDir(dir, cache, view);
}

function readClusterRoles(file: string): Manifest[] {
  const errors: string[] = [];
  const roles = readYamlFiles([file], errors).map(doc => doc.value).filter(isManifest).filter(v => v.kind === 'ClusterRole');
  if (errors.length === 0 && roles.length === 0) errors.push(`${file}: no ClusterRole found`);
  if (errors.length > 0) throw new TenancyValidationError(errors);
  return roles;
}

export function addAccessCommand(program: Command, context: CommandContext): void {
  program.command('access')
    .description('print who can do what in which namespace, from synthesized manifests (Markdown; --json for JSON)')
    .argument('[dir]', 'output folder of kf-tenancy synth', 'dist')
    .option('--json <file>', 'also write the matrix as JSON to this file')
    .option('--diff <old-dir>', 'print only the access gained (+), lost (-) or changed (~) since <old-dir>')
    .option('--cluster-roles <file>', 'ClusterRoles of the cluster (default: Kubeflow\'s, bundled)')
    .option('--user-id-header <name>', 'header the auth proxy sets to the user id', DEFAULT_USER_ID_HEADER)
    .option('--user-id-prefix <prefix>', 'prefix before the user id in that header', '')
    .option('--groups-header <name>', 'header the auth proxy sets to the user\'s groups', DEFAULT_GROUPS_HEADER)
    .option('--ingress-gateway-principal <principal>', 'Istio principal of the ingress gateway', DEFAULT_INGRESS_GATEWAY_PRINCIPAL)
    .option('--max-chars <n>', 'most characters of the Markdown report or the diff, most important first (a GitHub comment holds 65536); 0 for no bound',
      String(DEFAULT_REPORT_CHARS))
    .action((dir: string, options: AccessCommandOptions) => {
      try {
        const auth = resolveAuth(options);
        // Each auth field is an option of this command: `userIdHeader` is `--user-id-header`.
        const problems = authProblemsAt(auth, field => `--${field.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`);
        if (problems.length > 0) throw new TenancyValidationError(problems);
        const maxChars = Number(options.maxChars);
        if (!/^\d+$/.test(options.maxChars) || !Number.isSafeInteger(maxChars)) {
          throw new TenancyValidationError([`--max-chars: "${options.maxChars}" is not a whole number; give a number of characters, or 0 for no bound`]);
        }
        const clusterRoles = options.clusterRoles ? readClusterRoles(options.clusterRoles) : kubeflowClusterRoles();
        // The two folders of a diff share the files they have in common: each is parsed once.
        const cache: ManifestCache | undefined = options.diff ? new Map() : undefined;
        const view = accessViewer();
        // ...and the second matrix takes over the namespaces whose objects the first already saw.
        const reuse = options.diff ? accessReuse() : undefined;
        const matrix = accessMatrix(readFolder(dir, view, cache), { clusterRoles, auth, reuse });
        let report: string;
        if (options.diff) {
          // The first matrix is kept; what built it need not be: collect it before building the second.
          collectGarbage();
          const before = accessMatrix(readFolder(options.diff, view, cache), { clusterRoles, auth, reuse });
          report = accessDiffReport(before, matrix, { maxChars });
        } else {
          report = accessMarkdown(matrix, { maxChars });
        }
        // Written once everything else succeeded: a failed command leaves the file as it was.
        if (options.json) writeJsonFile(options.json, { ...matrix });
        context.output.out(report);
      } catch (error) {
        context.fail('access', error, false);
      }
    });
}
