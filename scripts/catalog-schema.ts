/**
 * Generates the tenants catalog JSON Schema from the TypeScript types in
 * src/catalog-file.ts. Run with `npx projen schema`; a test fails when the
 * committed schema is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createGenerator } from 'ts-json-schema-generator';

const ROOT = path.join(__dirname, '..');
export const SCHEMA_PATH = path.join(ROOT, 'schema', 'tenant-catalog.schema.json');

/** jsii-style `@default` texts ("- none") are not JSON values; fold them into the description. */
function foldDefaults(node: any): void {
  if (Array.isArray(node)) {
    node.forEach(foldDefaults);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  if ('default' in node && typeof node.default === 'string' && node.description !== undefined) {
    const text = node.default.replace(/^- /, '');
    node.description = `${node.description} Default: ${text}.`;
    delete node.default;
  }
  Object.values(node).forEach(foldDefaults);
}

export function generateCatalogSchema(): string {
  const schema: any = createGenerator({
    path: path.join(ROOT, 'src', 'catalog-file.ts'),
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    type: 'CatalogFile',
    topRef: false,
    skipTypeCheck: true,
  }).createSchema('CatalogFile');
  foldDefaults(schema);
  schema.$id = 'https://cdk8s-kubeflow-tenancy/schema/tenant-catalog.schema.json';
  schema.title = 'cdk8s-kubeflow-tenancy tenants catalog';
  return JSON.stringify(schema, null, 2) + '\n';
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(SCHEMA_PATH), { recursive: true });
  fs.writeFileSync(SCHEMA_PATH, generateCatalogSchema());
  console.log(`wrote ${path.relative(ROOT, SCHEMA_PATH)}`);
}
