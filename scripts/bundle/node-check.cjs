// Preloaded by bin/lpa-agent before the bundle is parsed: an old Node.js would otherwise fail with
// a SyntaxError deep inside it. Written for any Node.js version (no modern syntax).
var MIN = '@MIN_NODE@';
var have = process.versions.node.split('.').map(Number);
var need = MIN.split('.').map(Number);
var ok = true;
for (var i = 0; i < 3; i++) {
  if (have[i] !== need[i]) {
    ok = have[i] > need[i];
    break;
  }
}
if (!ok) {
  process.stderr.write(
    'lpa-agent: Node.js ' + MIN + ' or newer is needed; ' + process.execPath + ' is ' + process.version + '.\n' +
      '  Install a newer Node.js (https://nodejs.org), or point LPA_AGENT_NODE at one.\n'
  );
  process.exit(127);
}
