/**
 * Writes schema/*.schema.json from src/model/json-schema.ts (run by `npm run build`):
 * the published files are derived, never edited by hand.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCHEMA_FILES } from '../src/model/json-schema.js';

// dist/scripts/write-schemas.js -> schema/
const folder = fileURLToPath(new URL('../../schema/', import.meta.url));
for (const { file, schema } of SCHEMA_FILES) writeFileSync(folder + file, `${JSON.stringify(schema, null, 2)}\n`);
