/** `jovial deploy render [--values FILE] [--out DIR] [--chart-dir DIR]`. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseCommand, positiveInteger, runCommand, UsageError } from "@jovial/kernel/command";
import { Z2JH_CHART } from "./chart.js";
import { loadOperatorValues } from "./config.js";
import { chartValues, renderFiles, writeFiles } from "./render.js";
import { stringify } from "yaml";
import { workerDeployment } from "./manifests/pipeline.js";
import { validateChartValues, validateManifest } from "./validate.js";

export const EXAMPLE_VALUES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "values.example.yaml");

const USAGE = `usage: jovial deploy render [--values FILE] [--out DIR] [--chart-dir DIR]

  --values     the site's values (default: deploy/values.example.yaml; deploy/README.md lists what to set)
  --out        where to write values.yaml, manifests/ and install.sh (default: ./jovial-deploy)
  --chart-dir  a folder with the Zero to JupyterHub ${Z2JH_CHART.version} chart's values.yaml and
               values.schema.yaml: the rendered values are checked against its schema`;

const WORKERS_USAGE = `usage: jovial deploy workers --user NAME --uid N --gid N [--groups N,N] --queue QUEUE [--replicas N] [--cpu 2] [--memory 8G] [--values FILE]
  prints the Deployment of one user's pipeline workers (kubectl apply -f -)`;

function workers(rest: string[]): number {
  const { values: flags } = parseCommand(rest, {
    user: { type: "string" },
    uid: { type: "string" },
    gid: { type: "string" },
    groups: { type: "string" },
    queue: { type: "string" },
    replicas: { type: "string" },
    cpu: { type: "string" },
    memory: { type: "string" },
    values: { type: "string" },
  } as const);
  for (const required of ["user", "uid", "gid", "queue"] as const) if (!flags[required]) throw new UsageError(`--${required} is required`);
  const values = loadOperatorValues(flags.values ?? EXAMPLE_VALUES);
  const deployment = workerDeployment(values.jovial, {
    user: flags.user!,
    uid: Number(flags.uid),
    gid: Number(flags.gid),
    groups: flags.groups ? flags.groups.split(",").map(Number) : [],
    queue: flags.queue!,
    replicas: positiveInteger("replicas", flags.replicas),
    cpu: flags.cpu,
    memory: flags.memory,
  });
  validateManifest(deployment);
  console.log(stringify(deployment.toJSON()));
  return 0;
}

export async function main(_command: string, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "workers") return runCommand(WORKERS_USAGE, rest, () => workers(rest));
  return runCommand(USAGE, argv, () => {
    if (sub !== "render") throw new UsageError(sub ? `unknown deploy command ${sub}` : "which deploy command?");
    return render(rest);
  });
}

function render(rest: string[]): number {
  const { values: flags } = parseCommand(rest, { values: { type: "string" }, out: { type: "string" }, "chart-dir": { type: "string" } } as const);
  const values = loadOperatorValues(flags.values ?? EXAMPLE_VALUES);
  if (flags["chart-dir"]) validateChartValues(chartValues(values), flags["chart-dir"]);
  const written = writeFiles(renderFiles(values), flags.out ?? "jovial-deploy");
  console.log(written.join("\n"));
  return 0;
}
