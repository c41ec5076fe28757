/**
 * The public surface: every entry point of both packages exports an explicit list (no `export *`), every export
 * has TSDoc with an `@example`, and tests and benchmarks import entry points only, never a module path.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

/** Entry points by package.json `exports`. */
function entryPoints(): string[] {
  return ["pipeline", "resnet"].flatMap((pkg) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8")) as {
      exports: Record<string, string>;
    };
    return Object.values(manifest.exports).map((p) => join(ROOT, "packages", pkg, p));
  });
}

describe("public surface", () => {
  const entries = entryPoints();

  it("lists every export explicitly", () => {
    for (const file of entries) expect(readFileSync(file, "utf8"), file).not.toMatch(/^export \*/m);
  });

  it("documents every export with TSDoc and an @example", () => {
    const program = ts.createProgram(entries, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      resolveJsonModule: true,
      skipLibCheck: true,
      noEmit: true,
    });
    const checker = program.getTypeChecker();
    const undocumented: string[] = [];
    const counts: string[] = [];
    for (const file of entries) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      const exports = checker.getExportsOfModule(module);
      counts.push(`${relative(ROOT, file)}: ${exports.length}`);
      for (const s of exports) {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        const doc = ts.displayPartsToString(target.getDocumentationComment(checker));
        const example = target.getJsDocTags(checker).some((t) => t.name === "example");
        if (!doc || !example) undocumented.push(`${relative(ROOT, file)}: ${s.name}`);
      }
    }
    console.log(`exports per entry point:\n  ${counts.join("\n  ")}`);
    expect(undocumented).toEqual([]);
  });

  it("is what tests and benchmarks import: entry points, not module paths", () => {
    const dirs = ["test", "bench", "functions/test", "packages/pipeline/test", "packages/resnet/test"];
    const offenders: string[] = [];
    for (const dir of dirs) {
      let files: string[] = [];
      try {
        files = readdirSync(join(ROOT, dir), { recursive: true }) as string[];
      } catch {
        continue;
      }
      for (const f of files.filter((n) => n.endsWith(".ts"))) {
        const text = readFileSync(join(ROOT, dir, f), "utf8");
        if (/from "(\.\.\/)+(packages\/(pipeline|resnet)\/)?src\//.test(text)) offenders.push(join(dir, f));
      }
    }
    expect(offenders).toEqual([]);
  });
});
