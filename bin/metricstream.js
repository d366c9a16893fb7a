#!/usr/bin/env node
// The `metricstream` command: runs the compiled CLI (npm install builds it).
import('../dist/src/cli/main.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('metricstream: not built yet; run `npm install` (or `npm run build`) in the repository first\n');
    process.exit(1);
  }
  throw e;
});
