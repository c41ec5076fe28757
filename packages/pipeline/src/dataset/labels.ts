/**
 * `labels.json`: the class names in training order (index = output unit). Sorted by code point like
 * torchvision's ImageFolder (`sorted(os.scandir(...))`).
 */

/**
 * Sorts class names the way ImageFolder does (Python `sorted`, i.e. by code point).
 *
 * @example
 * sortClasses(["b", "a", "B"]); // ["B", "a", "b"]
 */
export function sortClasses(names: Iterable<string>): string[] {
  const cmp = (a: string, b: string): number => {
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
      if (d !== 0) return d;
    }
    return x.length - y.length;
  };
  return [...new Set(names)].sort(cmp);
}

/**
 * The content of `labels.json` for a dataset's classes.
 *
 * @example
 * await store.put(`models/${name}/${v}/labels.json`, labelsJson(dataset.classes), { contentType: "application/json" });
 */
export function labelsJson(classes: readonly string[]): string {
  return `${JSON.stringify({ classes }, null, 2)}\n`;
}
