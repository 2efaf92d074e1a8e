export { Z2JH_CHART, RELEASE_NAME } from "./chart.js";
export {
  CONFIG_SCHEMA,
  ConfigError,
  DEFAULTS,
  REQUIRED,
  loadOperatorValues,
  resolveConfig,
  type DeployConfig,
  type OperatorValues,
  type Profile,
  type StorageVariant,
} from "./config.js";
export { MANIFEST_GROUPS, type Manifest, type ManifestGroup } from "./manifests/index.js";
export { ETC_VOLUME, STORAGE_NAMES } from "./manifests/storage.js";
export { coalesceWithChartDefaults, mergeValuesFiles, type Values } from "./merge.js";
export { HUB_DIR, HUB_MODULES, hubExtraConfig } from "./python-snippets.js";
export { chartValues, renderFiles, writeFiles } from "./render.js";
export { ValidationError, validateChartValues, validateManifest } from "./validate.js";
export { buildValuesOverlay } from "./values-overlay.js";
