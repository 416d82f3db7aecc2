// Parses each .tf file named on the command line with HashiCorp's HCL library (hcl2json, compiled
// to WebAssembly) and prints one JSON object: file name -> the parsed structure, or { "error": message }.
// The harness's own HCL reader is compared with this output (Sandbox.Harness.Tests, HclOracleTests).
const { parse } = require('@cdktf/hcl2json');
const fs = require('fs');

(async () => {
  const out = {};
  for (const file of process.argv.slice(2)) {
    try {
      out[file] = await parse(file, fs.readFileSync(file, 'utf8'));
    } catch (e) {
      out[file] = { error: String(e) };
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(String(e) + '\n');
  process.exit(2);
});
