/** Types of imports.mjs, for the layout test. */
export function importGraph(root: string, dir?: string): Map<string, Set<string>>;
export function cycles(graph: Map<string, Set<string>>): string[][];
