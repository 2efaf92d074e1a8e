#!/usr/bin/env node
// Runs every test file (test/**/*.test.ts) on uvu, each in its own Node process so that one file's
// kernels and servers cannot leak into the next, and ends with the line CI reads: `N passed, N failed`.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const filter = process.argv.slice(2);

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "node_modules" || name.startsWith(".") ? [] : find(full);
    return name.endsWith(".test.ts") ? [full] : [];
  });
}

const files = find(path.join(root, "test"))
  .sort()
  .filter((f) => filter.length === 0 || filter.some((pattern) => f.includes(pattern)));

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

// The whole suite starts with the checks that keep the code clean: each counts as one test.
if (filter.length === 0) {
  for (const check of ["lint", "typecheck"]) {
    const started = Date.now();
    const code = await new Promise((resolve) => {
      const child = spawn("npm", ["run", "--silent", check], { cwd: root, stdio: "inherit" });
      child.on("exit", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    if (code === 0) passed += 1;
    else {
      failed += 1;
      failures.push(`npm run ${check} (exit ${code})`);
    }
    console.log(`# npm run ${check}: ${code === 0 ? "passed" : "failed"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

for (const file of files) {
  const rel = path.relative(root, file);
  const started = Date.now();
  const output = await new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: root, env: { ...process.env, FORCE_COLOR: "0" } });
    let text = "";
    child.stdout.on("data", (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      text += d;
      process.stderr.write(d);
    });
    child.on("exit", (code, signal) => resolve({ text, code: code ?? (signal ? 128 : 1) }));
  });
  const number = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(output.text)?.[1] ?? NaN);
  const total = number("Total");
  const ok = number("Passed");
  const skip = number("Skipped") || 0;
  if (Number.isNaN(total)) {
    // The file died before uvu could report: count it as one failure, never as nothing.
    failed += 1;
    failures.push(`${rel} (exited with ${output.code} before reporting)`);
  } else {
    passed += ok;
    skipped += skip;
    // uvu's Total counts the tests that ran: skipped ones are in Skipped only.
    const bad = total - ok;
    failed += bad;
    if (bad > 0 || output.code !== 0) failures.push(`${rel} (${bad} failed, exit ${output.code})`);
    if (bad === 0 && output.code !== 0) failed += 1;
  }
  console.log(`# ${rel}: ${Number.isNaN(total) ? "no report" : `${ok}/${total} passed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
if (failures.length) console.log(`\nFailed files:\n${failures.map((f) => `  ${f}`).join("\n")}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
