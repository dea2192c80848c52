/** `kf-tenancy capacity`: the GPU capacity report of a catalog (or what a change of it moves). */
import { Command } from 'commander';
import { CommandContext, writeJsonFile } from './output';
import { readTenantFiles } from '../catalog/sources';
import { kueueClusterProblems, overCommitted } from '../core/kueue';
import { CapacityReport, capacityDiff, capacityMarkdown, capacityReport } from '../core/kueue-capacity';
import { TenantQueueOptions } from '../core/kueue-options';
import { atLocation, inCluster } from '../core/problem';
import { TenancyValidationError, throwIfAny } from '../core/validation';
import { sourceProblems } from '../synth/tenant-builder';

/**
 * The report of the catalogs `files`, checked as validate checks them (over-commitment aside: the
 * report shows it, then the command fails). Catalogs without GPU queues give an empty report when
 * `orEmpty` (the base of the pull request that adds them), else an error.
 */
function reportOf(files: string[], orEmpty = false): CapacityReport {
  const sources = readTenantFiles(files);
  const cluster = sources.cluster?.kueue;
  throwIfAny([...sourceProblems(sources), ...(cluster ? atLocation(sources.clusterLocation, inCluster(kueueClusterProblems(cluster))) : [])]);
  if (cluster === undefined) {
    if (orEmpty) return { flavors: [], tenants: [] };
    throw new TenancyValidationError([`${files.join(', ')}: no cluster.kueue; declare the GPU flavors and their capacity first`]);
  }
  const queues = new Map<string, TenantQueueOptions>();
  for (const { props } of sources.tenants) if (props.kueue) queues.set(props.name!, props.kueue);
  return capacityReport(cluster, queues);
}


export function addCapacityCommand(program: Command, context: CommandContext): void {
  program.command('capacity')
    .description('print GPU capacity against what tenants are guaranteed and can borrow, from tenants catalogs (Markdown; --json for JSON)')
    .argument('<files...>', 'tenants catalogs')
    .option('--json <file>', 'also write the report as JSON to this file')
    .option('--diff <old-file...>', 'print only what changed since the catalogs <old-file...>')
    .action((files: string[], options: { json?: string; diff?: string[] }) => {
      try {
        const report = reportOf(files);
        if (options.diff) {
          const changes = capacityDiff(reportOf(options.diff, true), report);
          context.output.out(changes.length === 0 ? 'No change in GPU capacity or guarantees.\n' : `## GPU capacity changes\n\n${changes.map(c => `- ${c}`).join('\n')}\n`);
        } else {
          context.output.out(capacityMarkdown(report));
        }
        if (options.json) writeJsonFile(options.json, { ...report });
        // Printed first, so a pull request shows by how much; refused like validate refuses it.
        throwIfAny(inCluster(overCommitted(report.flavors)));
      } catch (error) {
        context.fail('capacity', error, false);
      }
    });
}
