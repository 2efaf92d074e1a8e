#!/usr/bin/env node
// The `jovial` command. Each package contributes its subcommands; this file only routes to them.
import { existsSync } from "node:fs";

const commands = {
  kernel: { module: "../kernel/dist/cli.js", help: "kernel install [--user|--sys-prefix|--prefix DIR] [--name NAME] [--display-name TEXT]" },
  notebook: { module: "../kernel/dist/cli.js", help: "notebook [DIR] [-- jupyter options]   start Jupyter with this kernel as the default" },
  fits: {
    module: "../smoothy/dist/cli.js",
    help: "fits info|header|wcs|stats FILE [--hdu N] [--pixel X,Y,...] [--json]   a FITS file's HDUs, cards, world coordinates, statistics",
  },
  view: { module: "../smoothy/dist/cli.js", help: "view FILE -o OUT.html   the file's visualize() view as a standalone page" },
  casa: { module: "../casa-bridge/dist/cli.js", help: "casa info|taql|tofits|fromfits|listobs ...   casacore's images, tables and MeasurementSets (jovial casa --help)" },
  worker: {
    module: "../smoothy/dist/pipeline/worker.js",
    help: "worker --queue NAME [--redis URL] [--concurrency N] [--lock-duration MS]   take distribute() jobs from a Redis queue",
  },
  roise: {
    module: "../smoothy/dist/pipeline/cli.js",
    help: "roise FILES... --out regions.csv [--workers N] [--redis URL] [--queue NAME] [--results FILE]   RoISE over many cubes",
  },
  findclumps: {
    module: "../cupid-bindings/dist/cli.js",
    help: 'findclumps IN.fits --method fellwalker|clumpfind|reinhold|gaussclumps [--config "K=V,..."] [--rms X] --out MASK.fits --outcat CAT.csv|CAT.fits',
  },
  deploy: {
    module: "../deploy/dist/cli.js",
    help: "deploy render [--values FILE] [--out DIR] [--chart-dir DIR]   the cluster service: Zero to JupyterHub values, Lustre volumes, install.sh",
  },
};

const [name, ...args] = process.argv.slice(2);
const command = commands[name];
if (!command || name === "--help" || name === "-h") {
  console.log(
    "usage: jovial <command> [options]\n\ncommands:\n" +
      Object.values(commands)
        .map((c) => `  ${c.help}`)
        .join("\n"),
  );
  process.exit(command || name === "--help" || name === "-h" ? 0 : 2);
}
const url = new URL(command.module, import.meta.url);
if (!existsSync(url)) {
  console.error(`jovial: ${url.pathname} is not built yet; run ./scripts/setup (or npm run build) in ${new URL("..", import.meta.url).pathname}`);
  process.exit(1);
}
try {
  const { main } = await import(url.href);
  process.exitCode = await main(name, args);
} catch (e) {
  // Errors of usage and of the environment are for people: the message, not a stack.
  console.error(`jovial ${name}: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}
