/**
 * The Node version README's install table states per entry point is at least what the installed
 * framework peers declare in their own `engines` (npm's EBADENGINE), so a peer major that raises
 * its floor cannot ship without the table saying so; and `engines` is the table's base row.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The framework peers behind each adapter entry point. */
const PEERS_OF: Record<string, string[]> = {
  "rerank-kit/langchain": ["@langchain/core"],
  "rerank-kit/llamaindex": ["llamaindex", "@llamaindex/core"],
  "rerank-kit/ai-sdk": ["ai", "@ai-sdk/provider"],
  "rerank-kit/mastra": ["@mastra/core", "@mastra/rag"],
};

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const [a = 0, b = 0, c = 0] = text.split(".").map(Number);
  return [a, b, c];
}

const atLeast = (a: Version, b: Version): boolean => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];

/** The table rows under "| entry point | Node |": the entry cell and the first version of the Node cell. */
function tableRows(): Array<{ entry: string; node: Version }> {
  const start = readme.indexOf("| entry point | Node |");
  expect(start, "README's install section has the entry point / Node table").toBeGreaterThan(0);
  const rows = [];
  for (const line of readme.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const [, entry = "", node = ""] = line.split("|").map((c) => c.trim());
    const min = /^>= ?(\d+(?:\.\d+){0,2})/.exec(node);
    expect(min, `the Node cell of "${entry}" starts with ">= version"`).not.toBeNull();
    rows.push({ entry, node: parseVersion(min![1]!) });
  }
  return rows;
}

/** The installed peer's version and the floor its `engines.node` declares (undefined = none). */
function installed(name: string): { line: string; floor: Version | undefined } | undefined {
  const file = join(root, "node_modules", name, "package.json");
  if (!existsSync(file)) return undefined;
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { version: string; engines?: { node?: string } };
  const [major, minor] = parseVersion(pkg.version);
  const floor = /^>= ?(\d+(?:\.\d+){0,2})$/.exec(pkg.engines?.node?.trim() ?? "");
  // A 0.x line is named by its minor (llamaindex 0.12), a later one by its major (ai 7).
  return { line: major === 0 ? `0.${minor}` : String(major), floor: floor ? parseVersion(floor[1]!) : undefined };
}

describe("engines per entry point", () => {
  it("package.json engines is the base row of README's table", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
    const base = tableRows().find((r) => r.entry.includes("`rerank-kit`,"));
    expect(base).toBeDefined();
    expect(pkg.engines.node).toBe(`>=${base!.node.slice(0, 2).join(".")}`);
  });

  it("each installed framework peer's own engines floor is stated for its entry point and major", () => {
    const rows = tableRows();
    let checked = 0;
    for (const [entry, peers] of Object.entries(PEERS_OF)) {
      for (const peer of peers) {
        const found = installed(peer);
        if (!found) continue;
        const names = new RegExp(`(^|[\\s(\`])${peer.replace(/[/@.]/g, "\\$&")}\`? ${found.line.replace(".", "\\.")}(?![\\d.])`);
        const row = rows.find((r) => r.entry.includes(`\`${entry}\``) && names.test(r.entry));
        expect(row, `README's table has a row for ${entry} with ${peer} ${found.line}`).toBeDefined();
        if (found.floor) {
          expect(atLeast(row!.node, found.floor), `${entry}: ${peer} ${found.line} needs Node >= ${found.floor.join(".")}, README says >= ${row!.node.join(".")}`).toBe(true);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});
