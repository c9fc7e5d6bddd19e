// Times the JavaScript parser/generator mqtt-packet on the exact bytes mqttspec-bench uses.
//
//   mkdir -p /tmp/mqttpkt && (cd /tmp/mqttpkt && npm install mqtt-packet)
//   NODE_PATH=/tmp/mqttpkt/node_modules node codec/bench/compare/mqtt_packet_bench.js build/bin/mqttspec-bench
//
// Prints one line per case: packets/s and bytes/s for parsing (decode) and generating (encode).
'use strict';
const { execFileSync } = require('child_process');
const mqtt = require('mqtt-packet');

const bench = process.argv[2];
if (!bench) {
  console.error('usage: node mqtt_packet_bench.js <path to mqttspec-bench>');
  process.exit(2);
}
const cases = execFileSync(bench, ['--print-cases'], { encoding: 'utf8' })
  .trim().split('\n').map((line) => {
    const [name, version, hex] = line.split(' ');
    return { name, protocolVersion: version === '5' ? 5 : 4, bytes: Buffer.from(hex, 'hex') };
  });

// Runs fn repeatedly for about `seconds` of CPU time; returns operations per CPU second (process
// CPU time, like Google Benchmark's default, so a busy machine skews both sides alike).
function rate(fn, seconds = 1.0) {
  for (let i = 0; i < 10000; i++) fn();  // warm up the JIT
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let ops = 0;
  const start = cpu();
  let now = start;
  while (now - start < seconds) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    now = cpu();
  }
  return ops / (now - start);
}

const fmt = (n) => (n >= 1e9 ? (n / 1e9).toFixed(2) + 'G' : n >= 1e6 ? (n / 1e6).toFixed(2) + 'M' : (n / 1e3).toFixed(1) + 'k');

for (const c of cases) {
  let parsed = null;
  const parser = mqtt.parser({ protocolVersion: c.protocolVersion });
  parser.on('packet', (p) => { parsed = p; });
  parser.on('error', (e) => { throw e; });
  parser.parse(c.bytes);
  if (!parsed) throw new Error(`${c.name}: mqtt-packet did not parse the bytes`);
  // Regenerating the parsed packet must give the same bytes, or the encode timing compares different work.
  const regenerated = mqtt.generate(parsed, { protocolVersion: c.protocolVersion });
  const sameBytes = Buffer.compare(regenerated, c.bytes) === 0;

  const decode = rate(() => { parser.parse(c.bytes); });
  const encode = rate(() => { mqtt.generate(parsed, { protocolVersion: c.protocolVersion }); });
  console.log(`${c.name.padEnd(18)} ${String(c.bytes.length).padStart(5)} B  decode ${fmt(decode)} packets/s ${fmt(decode * c.bytes.length)}B/s` +
              `  encode ${fmt(encode)} packets/s ${fmt(encode * c.bytes.length)}B/s${sameBytes ? '' : '  (generate() output differs from the input bytes)'}`);
}
