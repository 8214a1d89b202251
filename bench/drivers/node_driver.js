// Node driver: the "node" column (V8's Liftoff baseline compiler, then
// TurboFan for hot functions).
//
//   node node_driver.js run FILE.wasm REPS    "run CHECKSUM MS" per call
//   node node_driver.js calls FILE.wasm N     N calls of add() from JS
//   node node_driver.js load FILE.wasm REPS   "load BYTES MS" per compile
//
// Only the call (or the compile) is timed, with process.hrtime.bigint();
// the last field is the process's CPU time over the same span (all of V8's
// threads), which tells the runner whether the machine was busy.
'use strict';
const fs = require('fs');

function now() {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

// "WALL_MS CPU_MS" between two now() stamps.
function span(t0, t1) {
  const wall = Number(t1.wall - t0.wall) / 1e6;
  const cpu = (t1.cpu.user + t1.cpu.system -
               (t0.cpu.user + t0.cpu.system)) / 1e3;
  return `${wall.toFixed(3)} ${cpu.toFixed(3)}`;
}

async function main() {
  const [mode, file, countArg] = process.argv.slice(2);
  const count = Number(countArg || 1);
  const bytes = fs.readFileSync(file);
  if (mode === 'load') {
    for (let i = 0; i < count; i++) {
      // V8 caches compiled modules by their bytes: a custom section with a
      // different name each time makes every compile a fresh one.
      const name = Buffer.from(`bench${i}`);
      const custom = Buffer.from([0, name.length + 1, name.length]);
      const unique = Buffer.concat([bytes, custom, name]);
      const t0 = now();
      new WebAssembly.Module(unique);
      const t1 = now();
      console.log(`load ${bytes.length} ${span(t0, t1)}`);
    }
    return;
  }
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const ex = instance.exports;
  if (mode === 'run') {
    for (let i = 0; i < count; i++) {
      const t0 = now();
      const r = ex.run() >>> 0;
      const t1 = now();
      console.log(`run ${r} ${span(t0, t1)}`);
    }
  } else if (mode === 'calls') {
    const add = ex.add;
    let acc = 0;
    const t0 = now();
    for (let i = 0; i < count; i++)
      acc = add(acc, i | 0);
    const t1 = now();
    console.log(`calls ${acc >>> 0} ${span(t0, t1)}`);
  } else {
    console.error('usage: node_driver.js run|calls|load FILE.wasm COUNT');
    process.exit(2);
  }
}

main().catch((e) => {
  console.error(`node: ${e.message}`);
  process.exit(1);
});
