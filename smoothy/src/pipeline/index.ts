/**
 * `smoothy/pipeline`: many cubes at once. `distribute()` runs a task over inputs on this machine's
 * cores, or on `jovial worker` processes through Redis (BullMQ, loaded only then).
 */
export { distribute, Run, type DistributeOptions } from "./distribute.js";
export type { TaskResult } from "./results-log.js";
export { writeSyntheticArchive, type SyntheticCube, type SyntheticSource } from "./synthetic.js";
export { ROISE_TASK } from "./tasks.js";
