// The conventions every `jovial` subcommand shares (kernel/src/command.ts), through the real command.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseCommand, UsageError } from "../../kernel/src/command.ts";
import { ROOT } from "../helpers/kernel-client.ts";

const test = suite("jovial command");

function jovial(...args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, "bin", "jovial.js"), ...args], { encoding: "utf8" });
}

test("parseCommand: strict options, errors in the subcommands' words", () => {
  const options = { hdu: { type: "string" }, json: { type: "boolean" } } as const;
  assert.equal({ ...parseCommand(["a.fits", "--hdu", "2", "--json"], options).values }, { hdu: "2", json: true });
  assert.equal(parseCommand(["--hdu=SCI", "a.fits"], options).positionals, ["a.fits"]);
  const refused = (args: string[]) => {
    try {
      parseCommand(args, options);
    } catch (e) {
      assert.instance(e, UsageError);
      return (e as Error).message;
    }
    return "accepted";
  };
  assert.is(refused(["--colour"]), "unknown option --colour");
  assert.is(refused(["a.fits", "--hdu"]), "--hdu needs a value");
  assert.is(refused(["--json=yes"]), "--json takes no value");
});

const SUBCOMMANDS: string[][] = [["kernel"], ["fits", "info"], ["view"], ["casa"], ["worker"], ["roise"], ["findclumps"], ["deploy"], ["deploy", "workers"]];

for (const sub of SUBCOMMANDS) {
  test(`jovial ${sub.join(" ")}: --help prints the usage (exit 0); an unknown option names itself before the usage (exit 2)`, () => {
    const help = jovial(...sub, "--help");
    assert.is(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage:/);
    const wrong = jovial(...sub, "x", "--frobnicate");
    assert.is(wrong.status, 2, `${wrong.stdout}${wrong.stderr}`);
    assert.match(wrong.stderr, /(unknown option --frobnicate|unknown \w+ command x)\nusage:/);
  });
}

test.run();
