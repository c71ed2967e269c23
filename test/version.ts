import t from 'tap';
import { readFileSync } from 'node:fs';
import { VERSION } from '../src/version.js';

t.equal(VERSION, JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version, 'src/version.ts matches package.json');
