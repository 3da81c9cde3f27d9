import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The version of every unreleased build: package.json says 0.0.0 between releases, and only the package a release
 * packs carries its version (projen's bump writes it, and the release task puts 0.0.0 back after packing).
 * @internal
 */
export const UNRELEASED_VERSION = '0.0.0';

let version: string | undefined;

/**
 * The version of this installed package, from its own package.json (two folders up from both src/core and
 * lib/core), read once.
 * @internal
 */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
