import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { generateCatalogSchema, generateCatalogValidator, SCHEMA_PATH } from '../scripts/catalog-schema';
import { EXAMPLE_CATALOG } from './support/paths';
import { CATALOG_VALIDATOR_PATH } from '../src/catalog/catalog-reader';


describe('tenants catalog JSON Schema', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  test('is generated from the TypeScript types and up to date (run `npx projen schema`)', () => {
    expect(fs.readFileSync(SCHEMA_PATH, 'utf8')).toBe(generateCatalogSchema());
  });

  test('its generated validator, which the library loads, is up to date (run `npx projen schema`)', () => {
    expect(fs.readFileSync(CATALOG_VALIDATOR_PATH, 'utf8')).toBe(generateCatalogValidator(fs.readFileSync(SCHEMA_PATH, 'utf8')));
  });

  test('accepts the example catalog, which references it for editors', () => {
    const text = fs.readFileSync(EXAMPLE_CATALOG, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/tenant-catalog.schema.json');
    expect(validate(parse(text))).toBe(true);
  });

  test('rejects a misspelled key and names it', () => {
    const catalog = parse(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'));
    catalog.tenants[1].contributers = catalog.tenants[1].contributors;
    delete catalog.tenants[1].contributors;
    expect(validate(catalog)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({
      instancePath: '/tenants/1',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'contributers' },
    }));
  });

  test('documents every tenant setting with its default', () => {
    const settings = schema.definitions.TenantSettings.properties;
    expect(Object.keys(settings).sort()).toEqual([
      'ambient', 'auth', 'istioSecurityApiVersion', 'kueue', 'limitRange', 'meshMode', 'namespaceLabels', 'networkPolicy',
      'plugins', 'podSecurity', 'priorityClasses', 'resourceQuota', 'teamRoles',
    ]);
    for (const [name, property] of Object.entries<any>(settings)) {
      expect({ name, described: /Default: /.test(property.description) }).toEqual({ name, described: true });
    }
    expect(schema.definitions.ContributorRole.enum).toEqual(['edit', 'view']);
  });
});
