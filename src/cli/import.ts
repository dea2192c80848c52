/** `kf-tenancy import`: Kubeflow Profiles and KFAM's RoleBindings into a tenants catalog, or the drift from Git. */
import { Command } from 'commander';
import { CommandContext, plural, writeUserFile } from './output';
import { catalogFromFiles, clusterDrift } from '../catalog/catalog-import';
import { readTenantFiles } from '../catalog/sources';

export function addImportCommand(program: Command, context: CommandContext): void {
  const output = context.output;
  program.command('import')
    .description('convert Kubeflow Profiles (and contributor RoleBindings from `kubectl get rolebindings -A -o yaml`) into a tenants catalog; '
      + 'with --drift-from, report how the cluster differs from Git instead')
    .argument('<files...>', 'Profile YAML, RoleBinding and Namespace list files (`kubectl get profiles,rolebindings,namespaces -A -o yaml`)')
    .option('-o, --out <file>', 'write the catalog to this file instead of stdout')
    .option('--drift-from <files...>', 'tenants catalogs or Profile YAML that Git declares: print every member, owner or tenant that differs '
      + '(exit 1 when any does) instead of a catalog')
    .action((files: string[], options: { out?: string; driftFrom?: string[] }) => {
      try {
        if (options.driftFrom) {
          const lines = clusterDrift(files, readTenantFiles(options.driftFrom).tenants);
          output.out(lines.length > 0 ? lines.join('\n') + '\n' : 'no drift: the cluster holds what Git declares\n');
          if (lines.length > 0) {
            output.err(`kf-tenancy import: ${plural(lines.length, 'difference')} between the cluster and Git\n`);
            context.exitCode = 1;
          }
          return;
        }
        const result = catalogFromFiles(files);
        for (const note of result.notes) output.err(`kf-tenancy import: ${note}\n`);
        if (options.out) {
          writeUserFile(options.out, result.yaml);
          output.err(`kf-tenancy import: wrote ${plural(result.tenants, 'tenant')} to ${options.out}\n`);
        } else {
          output.out(result.yaml);
        }
      } catch (error) {
        context.fail('import', error, options.out !== undefined);
      }
    });
}
