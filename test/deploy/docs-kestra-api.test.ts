// docs/kestra.md's table of the Kestra API the bot uses is the operations table, with kestrapy's names.
import { expect, it } from "vitest";
import { TABLE } from "../fakes/kestra/operations.ts";
import { readRepoFile } from "./repo-files.ts";

it("docs/kestra.md lists every operation of the table, with the kestrapy function it matches", () => {
  const readme = readRepoFile("docs/kestra.md");
  const start = readme.indexOf("<!-- kestra-operations:");
  expect(start).toBeGreaterThan(0);
  const lines = readme.slice(start).split("\n").slice(3);
  const end = lines.findIndex((l) => !l.startsWith("|"));
  const rows = lines.slice(0, end);
  const listed = rows.map((row) => {
    const [method, path, sdk] = row
      .split("|")
      .slice(1, 4)
      .map((c) => c.trim().replace(/^`|`$/g, ""));
    return `${method} ${path} ${sdk}`;
  });
  const operations = TABLE.operations.map((o) => `${o.method} ${o.path} ${o.sdk.function}`);
  expect([...listed].sort()).toEqual([...operations].sort());
});
