/**
 * The layering of src/, read from the import statements of every module: no import cycles (type
 * imports included: a cycle is a pair of modules that cannot be understood one without the
 * other), and no production module imports the test references in src/reference/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../src');

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of each module (static, dynamic and type-only), as module paths. */
function importGraph(): Map<string, string[]> {
  const files = modules(ROOT);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...Array.from(text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms), (m) => m[1]!),
      ...Array.from(text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g), (m) => m[1]!),
    ];
    const deps = specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
    for (const dep of deps) expect(known.has(dep), `${relative(ROOT, file)} imports ${relative(ROOT, dep)}, which is not a module of src/`).toBe(true);
    graph.set(file, deps);
  }
  return graph;
}

/** The strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(relative(ROOT, w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('layering of src/', () => {
  const graph = importGraph();

  it('has no import cycles', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const a = join(ROOT, 'a.ts');
    const b = join(ROOT, 'b.ts');
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([['a.ts', 'b.ts']]);
  });

  it('production modules never import src/reference/ (the test references)', () => {
    const reference = join(ROOT, 'reference') + '/';
    const offenders = [...graph].flatMap(([file, deps]) =>
      file.startsWith(reference) ? [] : deps.filter((d) => d.startsWith(reference)).map((d) => `${relative(ROOT, file)} → ${relative(ROOT, d)}`));
    expect(offenders).toEqual([]);
  });
});
