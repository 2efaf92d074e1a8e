/**
 * Checks of what we render: each manifest against the Kubernetes API's schema (kubernetes-models),
 * and the values overlay, coalesced with the chart's values.yaml as helm does, against the chart's
 * values.schema.yaml.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";
import type { Manifest } from "./manifests/index.js";
import { coalesceWithChartDefaults, type Values } from "./merge.js";

export class ValidationError extends Error {
  readonly code = "EJOVIALINVALID";
}

export function validateManifest(manifest: Manifest): void {
  try {
    manifest.validate();
  } catch (e) {
    const name = `${manifest.kind}/${manifest.metadata?.name ?? "?"}`;
    throw new ValidationError(`${name}: ${e instanceof Error ? e.message : e}`);
  }
}

/** A chart folder holding values.yaml and values.schema.yaml (the chart's own files, unmodified). */
export function validateChartValues(overlay: Values, chartDir: string): Values {
  const defaults = parse(readFileSync(path.join(chartDir, "values.yaml"), "utf8")) as Values;
  const schema = parse(readFileSync(path.join(chartDir, "values.schema.yaml"), "utf8")) as object;
  const merged = coalesceWithChartDefaults(defaults, overlay);
  // strict: false, because the chart's schema carries keywords of its docs system ajv does not know.
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (!validate(merged)) {
    const errors = (validate.errors ?? []).map(
      (e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${e.params.additionalProperty})` : ""}`,
    );
    throw new ValidationError(`values rejected by ${path.join(chartDir, "values.schema.yaml")}: ${errors.join("; ")}`);
  }
  return merged;
}
