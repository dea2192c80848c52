/** `kf-tenancy access`: who can do what where, from the output folder (or what changed since another). */
import * as fs from 'fs';
import { Command } from 'commander';
import { CommandContext, writeUserFile } from './output';
import { accessDiff, accessMarkdown, accessMatrix } from '../analysis/access';
import { readManifestDir } from '../catalog/manifest-reader';
import { readYamlFiles } from '../catalog/yaml-source';
import { authProblems, resolveAuth } from '../core/auth-options';
import { kubeflowClusterRoles } from '../core/kubeflow-cluster-roles';
import { DEFAULT_GROUPS_HEADER, DEFAULT_INGRESS_GATEWAY_PRINCIPAL, DEFAULT_USER_ID_HEADER } from '../core/kubeflow-defaults';
import { isManifest, Manifest } from '../core/manifest';
import { TenancyValidationError } from '../core/validation';

interface AccessCommandOptions {
  readonly json?: string;
  readonly diff?: string;
  readonly clusterRoles?: string;
  readonly userIdHeader: string;
  readonly userIdPrefix: string;
  readonly groupsHeader: string;
  readonly ingressGatewayPrincipal: string;
}

function readFolder(dir: string): Manifest[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TenancyValidationError([`${dir}: not a folder; give the output folder of kf-tenancy synth`]);
  return readManifestDir(dir);
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
    .action((dir: string, options: AccessCommandOptions) => {
      try {
        const auth = resolveAuth(options);
        const problems = authProblems(auth);
        if (problems.length > 0) throw new TenancyValidationError(problems.map(p => p.replace(/^auth\.(\w+)/, (_, f: string) => `--${f.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`)));
        const clusterRoles = options.clusterRoles ? readClusterRoles(options.clusterRoles) : kubeflowClusterRoles();
        const matrix = accessMatrix(readFolder(dir), { clusterRoles, auth });
        if (options.json) writeUserFile(options.json, JSON.stringify(matrix, null, 2) + '\n');
        if (options.diff) {
          const lines = accessDiff(accessMatrix(readFolder(options.diff), { clusterRoles, auth }), matrix);
          context.output.out(lines.length > 0 ? lines.join('\n') + '\n' : 'no change in access\n');
        } else {
          context.output.out(accessMarkdown(matrix));
        }
      } catch (error) {
        context.fail('access', error, false);
      }
    });
}
