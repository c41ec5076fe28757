import { assertValidKey, assertValidPrefix, compareKeys } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

describe("object keys", () => {
  it("accepts ordinary keys and prefixes", () => {
    for (const key of [
      "a",
      "datasets/flowers.zip",
      "models/m/1/model.json",
      "with space/ü.bin",
      ".hidden/x",
    ]) {
      expect(() => assertValidKey(key), key).not.toThrow();
    }
    for (const prefix of ["", "models/", "models/m", "a/b/"])
      expect(() => assertValidPrefix(prefix)).not.toThrow();
  });

  it("refuses every unsafe shape with invalid_key and says why", () => {
    const cases: [string, RegExp][] = [
      ["/etc/passwd", /absolute/],
      ["..", /'\.\.'/],
      ["a/../../b", /'\.\.'/],
      ["a/./b", /'\.'/],
      ["a\\b", /backslash/],
      ["a\0b", /NUL/],
      ["a//b", /empty segment/],
      ["a/", /empty segment/],
      ["", /empty/],
      ["x".repeat(1025), /1024/],
    ];
    for (const [key, why] of cases) {
      expect(() => assertValidKey(key), JSON.stringify(key)).toThrow(why);
      expect(() => assertValidKey(key)).toThrow(
        expect.objectContaining({ code: "invalid_key", status: 400 }),
      );
    }
    expect(() => assertValidPrefix("../x")).toThrow(expect.objectContaining({ code: "invalid_key" }));
  });

  it("orders keys by UTF-8 bytes like S3, not by UTF-16 code units", () => {
    const astral = "\u{1F600}"; // UTF-16 surrogates sort below U+FF5E, UTF-8 bytes sort above
    const bmp = "\uFF5E";
    expect([astral, bmp].sort(compareKeys)).toEqual([bmp, astral]);
    expect([astral, bmp].sort()).toEqual([astral, bmp]);
  });
});
