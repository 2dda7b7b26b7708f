#!/usr/bin/env node
// The compiled CLI lives in dist/; `npm start` builds it first.
import('../dist/src/cli.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
