/** The tests' fuzzing draws from smoothy's one seeded generator, so a failure can be replayed from its seed. */
import { mulberry32 } from "smoothy";

export function random(seed: number): () => number {
  return mulberry32(seed).next;
}
