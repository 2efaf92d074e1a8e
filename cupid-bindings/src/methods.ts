/** CUPID's clump-finding algorithms, by FINDCLUMPS' METHOD names in lower case. */
export type ClumpMethod = "fellwalker" | "clumpfind" | "reinhold" | "gaussclumps";
export const METHODS: readonly ClumpMethod[] = ["fellwalker", "clumpfind", "reinhold", "gaussclumps"];
