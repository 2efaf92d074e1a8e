/** Task modules shipped with smoothy, by URL, for distribute() (threads and remote workers load them by it). */
export const ROISE_TASK = new URL("./roise-task.js", import.meta.url).href;
