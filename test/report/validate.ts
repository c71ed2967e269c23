/**
 * Validation of ttl-probe's machine-readable output against the published
 * JSON Schemas (schema/ttl-probe-1.schema.json for `--json`,
 * schema/ttl-probe-1-ndjson.schema.json for each `--format ndjson` line), for
 * any test to import:
 *
 *     t.same(validateReport(JSON.parse(stdout)), []);
 *     t.same(validateNdjson(stdout), []);
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

const schemaDir = fileURLToPath(new URL('../../schema/', import.meta.url));

function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${schemaDir}${name}`, 'utf8')) as Record<string, unknown>;
}

/** The `--json` schema, parsed. */
export const reportSchema = loadSchema('ttl-probe-1.schema.json');
/** The ndjson line schema, parsed. */
export const ndjsonSchema = loadSchema('ttl-probe-1-ndjson.schema.json');

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(reportSchema);
ajv.addSchema(ndjsonSchema);

function compiled(id: unknown): ValidateFunction {
  const validate = ajv.getSchema(String(id));
  if (!validate) throw new Error(`schema ${String(id)} did not compile`);
  return validate;
}

const reportValidator = compiled(reportSchema.$id);
const ndjsonValidator = compiled(ndjsonSchema.$id);

function messages(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}

/** Problems of a parsed `--json` report against the schema: empty when it is valid. */
export function validateReport(json: unknown): string[] {
  return reportValidator(json) ? [] : messages(reportValidator.errors);
}

/** Problems of one parsed ndjson line against the line schema: empty when it is valid. */
export function validateNdjsonLine(json: unknown): string[] {
  return ndjsonValidator(json) ? [] : messages(ndjsonValidator.errors);
}

/**
 * Problems of a whole ndjson text: every line must end with a newline, parse
 * as JSON and match the line schema. Each problem names its line number.
 */
export function validateNdjson(text: string): string[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) return ['the last line has no newline'];
  const problems: string[] = [];
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        problems.push(`line ${index + 1}: not JSON (${(error as Error).message})`);
        return;
      }
      for (const problem of validateNdjsonLine(value)) problems.push(`line ${index + 1}: ${problem}`);
    });
  return problems;
}
