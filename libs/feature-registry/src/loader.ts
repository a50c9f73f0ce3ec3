/**
 * Reads the registry folder (registry/*.yaml at the repository root) and runs the validator over it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';
import { RegistryValidationError } from './errors';
import { Registry, RegistryIssue } from './types';
import { RegistryCheck, RegistryDocument, RegistryDocuments, validateRegistry } from './validator';
import { scanLines } from './yaml-lines';

/** The file holding each part of the registry. */
export const REGISTRY_FILES: Readonly<Record<keyof RegistryDocuments, string>> = Object.freeze({
  features: 'features.yaml',
  featureSets: 'feature-sets.yaml',
  sources: 'sources.yaml',
  routes: 'routes.yaml',
});

/**
 * `REGISTRY_DIR` if set; otherwise the nearest `registry/` above this file. Walking up works both from the
 * sources (libs/feature-registry/src) and from the build output (dist/libs/feature-registry/src).
 */
export function defaultRegistryDir(): string {
  const fromEnv = process.env['REGISTRY_DIR'];
  if (fromEnv) return resolve(fromEnv);
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'registry', REGISTRY_FILES.features))) return join(dir, 'registry');
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(`no registry/${REGISTRY_FILES.features} found above ${__dirname}; set REGISTRY_DIR`);
}

/** Loads and validates the registry; throws RegistryValidationError listing every issue. */
export function loadRegistry(dir: string = defaultRegistryDir()): Registry {
  const { registry, issues } = checkRegistry(dir);
  if (!registry) throw new RegistryValidationError(resolve(dir), issues);
  return registry;
}

/** Every issue of the registry in `dir`, without throwing (for CI and the registry-check tool). */
export function readRegistryIssues(dir: string = defaultRegistryDir()): RegistryIssue[] {
  return checkRegistry(dir).issues;
}

/** Loads and validates; the registry is returned only when there is no issue. */
export function checkRegistry(dir: string = defaultRegistryDir()): RegistryCheck {
  const root = resolve(dir);
  const issues: RegistryIssue[] = [];
  const read = (file: string): RegistryDocument => readDocument(join(root, file), issues);
  const docs: RegistryDocuments = {
    features: read(REGISTRY_FILES.features),
    featureSets: read(REGISTRY_FILES.featureSets),
    sources: read(REGISTRY_FILES.sources),
    routes: read(REGISTRY_FILES.routes),
  };
  // A file that cannot be read or parsed would only add noise (e.g. "unknown feature set") to the review.
  if (issues.length > 0) return { issues };
  return validateRegistry(docs, root);
}

function readDocument(path: string, issues: RegistryIssue[]): RegistryDocument {
  const file = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    issues.push({ file, line: 0, message: `cannot read file: ${(err as Error).message}` });
    return { file, data: undefined, lines: scanLines('') };
  }
  try {
    // CORE_SCHEMA: no implicit timestamps or other surprises; `2026-11-01` stays the string it reads as.
    return { file, data: load(text, { schema: CORE_SCHEMA, filename: file }), lines: scanLines(text) };
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    issues.push({ file, line: err.mark ? err.mark.line + 1 : 1, message: `invalid YAML: ${err.reason}` });
    return { file, data: undefined, lines: scanLines(text) };
  }
}

/** Relative to the working directory when inside it, so messages are clickable in a terminal. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
