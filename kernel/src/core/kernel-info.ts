/** What `kernel_info_reply` says about this kernel: known without starting the interpreter. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ContentOf } from "../protocol/messages.js";
import { PROTOCOL_VERSION } from "../protocol/messages.js";

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version: string }).version;
}

export const KERNEL_VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export function kernelInfo(): ContentOf["kernel_info_reply"] {
  const typescript = versionOf("typescript");
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "jovial",
    implementation_version: KERNEL_VERSION,
    language_info: {
      name: "typescript",
      version: typescript,
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `JOVIAL ${KERNEL_VERSION}: TypeScript ${typescript} on Node.js ${process.versions.node}`,
    help_links: [
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: `https://nodejs.org/docs/latest-v${process.versions.node.split(".")[0]}.x/api/` },
      { text: "MDN JavaScript reference", url: "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference" },
    ],
    debugger: false,
  };
}
