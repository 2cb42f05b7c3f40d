import { RegExpEngine } from 'ajv/dist/types';

/** Go's inline flags that JavaScript has as RegExp flags. */
const INLINE_FLAGS: Readonly<Record<string, string>> = { i: 'i', s: 's', m: 'm' };

/**
 * CRD patterns are Go (RE2) regular expressions, checked by the API server with Go's regexp package.
 * JavaScript lacks RE2's leading inline flags (`^(?i)(abort|warn)?$`, in Strimzi's CRDs); this engine moves them
 * into RegExp flags. Patterns that JavaScript still cannot compile are recorded in `unsupported` and accept
 * every value, so a pattern we cannot evaluate never fails a document it would not fail on the server.
 */
export function goRegExpEngine(unsupported: Set<string>): RegExpEngine {
  const engine = (pattern: string, flags: string): RegExp => {
    const inline = /^(\^?)\(\?([a-zA-Z]+)\)/.exec(pattern);
    let source = pattern;
    let allFlags = flags;
    if (inline && [...inline[2]].every((flag) => flag in INLINE_FLAGS)) {
      source = inline[1] + pattern.slice(inline[0].length);
      allFlags += [...inline[2]].map((flag) => INLINE_FLAGS[flag]).join('');
    }
    try {
      return new RegExp(source, allFlags);
    } catch {
      unsupported.add(pattern);
      return /(?:)/;
    }
  };
  // `code` names the engine only in standalone code, which we never generate.
  return Object.assign(engine, { code: 'goRegExp' });
}
