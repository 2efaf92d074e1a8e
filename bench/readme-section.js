// One section of bench/README.md, between markers, so each benchmark rewrites only its own part
// (bench/run.js rewrites the rest of the file and keeps the sections).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const readmePath = path.join(path.dirname(fileURLToPath(import.meta.url)), "README.md");

export function writeReadmeSection(name, markdown) {
  const begin = `<!-- ${name}: written by bench/${name}.js -->`,
    end = `<!-- /${name} -->`;
  const section = `${begin}\n${markdown.trimEnd()}\n${end}`;
  let readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "# Benchmarks\n";
  const at = readme.indexOf(begin),
    stop = readme.indexOf(end);
  readme = at >= 0 && stop > at ? readme.slice(0, at) + section + readme.slice(stop + end.length) : `${readme.trimEnd()}\n\n${section}\n`;
  writeFileSync(readmePath, readme);
}
