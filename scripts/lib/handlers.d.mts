/** Types of handlers.mjs, for the layout test. */
export function handlerLengths(root: string, dirs: string[]): { file: string; line: number; lines: number }[];
