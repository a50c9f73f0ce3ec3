import { RegistryIssue } from './types';

/** The registry files failed the privacy-by-design review; `issues` says what and where. */
export class RegistryValidationError extends Error {
  constructor(
    readonly dir: string,
    readonly issues: RegistryIssue[],
  ) {
    super(`registry at ${dir} failed validation with ${issues.length} issue(s):\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'RegistryValidationError';
  }
}

/** A name asked of the registry that it does not define (a code bug or a stale deployment, never user input). */
export class RegistryLookupError extends Error {
  constructor(
    readonly kind: 'feature' | 'feature set' | 'source' | 'route',
    readonly lookupName: string,
  ) {
    super(`unknown ${kind} '${lookupName}' in the feature registry`);
    this.name = 'RegistryLookupError';
  }
}

/** `file:line: message`, the form editors and CI annotate. */
export function formatIssue(issue: RegistryIssue): string {
  return `${issue.file}:${issue.line}: ${issue.message}`;
}
