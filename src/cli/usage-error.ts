/** A command line the CLI cannot act on; reported with a hint and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
