/**
 * A small evaluator for Milvus boolean filter expressions, for the fake Milvus server
 * (fake-milvus-server.ts). It tokenizes and parses the expression into a tree, then evaluates the
 * tree against a row, so any expression in the supported subset works, not just the strings one
 * adapter happens to generate.
 *
 * Supported: `==`, `!=`, `<`, `<=`, `>`, `>=`, `in [...]`, `not in [...]`, `&&`/`and`, `||`/`or`,
 * `!`/`not`, parentheses, string literals ("..." or '...' with backslash escapes), numbers
 * (integers, decimals, exponents, negative), `true`/`false` (any case), and a bare Bool field.
 * Like Milvus, comparing a field with a literal of another type, or naming a field the schema does
 * not have, is an error.
 */

/** A scalar value a row holds or a literal denotes. */
export type ExprValue = string | number | boolean;

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'bool'; value: boolean; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'eof'; pos: number };

type Operand = { kind: 'field'; name: string } | { kind: 'literal'; value: ExprValue };

/** The parsed expression tree. */
export type ExprNode =
  | { kind: 'or' | 'and'; left: ExprNode; right: ExprNode }
  | { kind: 'not'; operand: ExprNode }
  | { kind: 'compare'; op: '==' | '!=' | '<' | '<=' | '>' | '>='; left: Operand; right: Operand }
  | { kind: 'in'; negated: boolean; field: string; values: ExprValue[] }
  | { kind: 'field'; name: string }
  | { kind: 'literal'; value: boolean };

/** A parse or evaluation error, reported by the fake as a Milvus error status. */
export class ExprError extends Error {
  override name = 'ExprError';
}

const SYMBOLS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', ','];
const WORD_OPS = new Set(['and', 'or', 'not', 'in']);

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const valueBefore = (): boolean => {
    const last = tokens[tokens.length - 1];
    return !!last && (last.kind !== 'op' || last.text === ')' || last.text === ']');
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExprError(`unterminated string starting at ${start}`);
        const ch = src[i]!;
        if (ch === c) { i++; break; }
        if (ch === '\\') {
          const next = src[i + 1];
          if (next === undefined) throw new ExprError(`dangling backslash at ${i}`);
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      tokens.push({ kind: 'string', value, pos: start });
      continue;
    }
    const num = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== '-' || !valueBefore())) {
      tokens.push({ kind: 'number', value: Number(num[0]), pos: start });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (word) {
      const text = word[0];
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false') tokens.push({ kind: 'bool', value: lower === 'true', pos: start });
      else if (WORD_OPS.has(lower)) tokens.push({ kind: 'op', text: lower, pos: start });
      else tokens.push({ kind: 'ident', text, pos: start });
      i += text.length;
      continue;
    }
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (!sym) throw new ExprError(`unexpected character '${c}' at ${i}`);
    tokens.push({ kind: 'op', text: sym, pos: start });
    i += sym.length;
  }
  tokens.push({ kind: 'eof', pos: src.length });
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): ExprNode {
    const node = this.or();
    const rest = this.peek();
    if (rest.kind !== 'eof') throw new ExprError(`unexpected token at ${rest.pos}`);
    return node;
  }

  private peek(): Token { return this.tokens[this.at]!; }
  private next(): Token { return this.tokens[this.at++]!; }
  private isOp(...texts: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && texts.includes(t.text);
  }
  private expectOp(text: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) throw new ExprError(`expected '${text}' at ${t.pos}`);
  }

  private or(): ExprNode {
    let left = this.and();
    while (this.isOp('||', 'or')) { this.next(); left = { kind: 'or', left, right: this.and() }; }
    return left;
  }
  private and(): ExprNode {
    let left = this.unary();
    while (this.isOp('&&', 'and')) { this.next(); left = { kind: 'and', left, right: this.unary() }; }
    return left;
  }
  private unary(): ExprNode {
    if (this.isOp('!', 'not')) { this.next(); return { kind: 'not', operand: this.unary() }; }
    return this.comparison();
  }
  private comparison(): ExprNode {
    if (this.isOp('(')) {
      this.next();
      const inner = this.or();
      this.expectOp(')');
      return inner;
    }
    const left = this.operand();
    if (this.isOp('==', '!=', '<', '<=', '>', '>=')) {
      const op = (this.next() as { text: string }).text as '==' | '!=' | '<' | '<=' | '>' | '>=';
      return { kind: 'compare', op, left, right: this.operand() };
    }
    let negated = false;
    if (this.isOp('not') && this.tokens[this.at + 1]?.kind === 'op' && (this.tokens[this.at + 1] as { text: string }).text === 'in') {
      this.next();
      negated = true;
    }
    if (this.isOp('in')) {
      this.next();
      if (left.kind !== 'field') throw new ExprError('the left side of "in" must be a field');
      return { kind: 'in', negated, field: left.name, values: this.list() };
    }
    if (left.kind === 'field') return { kind: 'field', name: left.name };
    if (typeof left.value === 'boolean') return { kind: 'literal', value: left.value };
    throw new ExprError('a literal alone is not a boolean expression');
  }
  private operand(): Operand {
    const t = this.next();
    if (t.kind === 'ident') return { kind: 'field', name: t.text };
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'bool') return { kind: 'literal', value: t.value };
    throw new ExprError(`expected a field or a literal at ${t.pos}`);
  }
  private list(): ExprValue[] {
    this.expectOp('[');
    const values: ExprValue[] = [];
    if (this.isOp(']')) { this.next(); return values; }
    for (;;) {
      const t = this.next();
      if (t.kind !== 'string' && t.kind !== 'number' && t.kind !== 'bool') throw new ExprError(`expected a literal in the list at ${t.pos}`);
      values.push(t.value);
      if (this.isOp(']')) { this.next(); return values; }
      this.expectOp(',');
    }
  }
}

/** Parses an expression; throws {@link ExprError} on a syntax error. */
export function parseExpr(src: string): ExprNode {
  return new Parser(tokenize(src)).parse();
}

/** The names of the fields an expression reads (to check them against a schema). */
export function fieldsOf(node: ExprNode): string[] {
  switch (node.kind) {
    case 'or': case 'and': return [...fieldsOf(node.left), ...fieldsOf(node.right)];
    case 'not': return fieldsOf(node.operand);
    case 'compare': return [node.left, node.right].flatMap((o) => (o.kind === 'field' ? [o.name] : []));
    case 'in': case 'field': return node.kind === 'in' ? [node.field] : [node.name];
    case 'literal': return [];
  }
}

function sameType(a: ExprValue, b: ExprValue, where: string): void {
  if (typeof a !== typeof b) throw new ExprError(`cannot compare ${typeof a} with ${typeof b} (${where})`);
}

/** Evaluates a parsed expression against a row; throws on an unknown field or a type mismatch. */
export function evalExpr(node: ExprNode, row: Readonly<Record<string, unknown>>): boolean {
  const read = (name: string): ExprValue => {
    if (!(name in row)) throw new ExprError(`field ${name} not exist`);
    const v = row[name];
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ExprError(`field ${name} is not a scalar`);
    return v;
  };
  const value = (o: Operand): ExprValue => (o.kind === 'field' ? read(o.name) : o.value);
  switch (node.kind) {
    case 'or': return evalExpr(node.left, row) || evalExpr(node.right, row);
    case 'and': return evalExpr(node.left, row) && evalExpr(node.right, row);
    case 'not': return !evalExpr(node.operand, row);
    case 'literal': return node.value;
    case 'field': {
      const v = read(node.name);
      if (typeof v !== 'boolean') throw new ExprError(`field ${node.name} is not a Bool and cannot stand alone`);
      return v;
    }
    case 'in': {
      const v = read(node.field);
      for (const item of node.values) sameType(v, item, `${node.field} in [...]`);
      return node.values.includes(v) !== node.negated;
    }
    case 'compare': {
      const a = value(node.left);
      const b = value(node.right);
      sameType(a, b, node.op);
      if (typeof a === 'boolean' && node.op !== '==' && node.op !== '!=') throw new ExprError(`${node.op} is not defined on Bool`);
      switch (node.op) {
        case '==': return a === b;
        case '!=': return a !== b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
      }
    }
  }
}
