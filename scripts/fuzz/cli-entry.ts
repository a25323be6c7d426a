/** Runs the CLI from source (no build needed): `node --import tsx scripts/fuzz/cli-entry.ts <command> ...`. */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
