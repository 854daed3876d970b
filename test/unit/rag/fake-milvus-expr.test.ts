import { describe, expect, it } from 'vitest';
import { evalExpr, ExprError, fieldsOf, parseExpr } from '../../helpers/fake-milvus-expr.js';

/** The fake Milvus' filter evaluator must be a real one, or the adapter's isolation tests prove nothing. */
const row = { tenant_id: 't1', brand_id: 'b"1', quality_score: 0.5, created_at: 1700000000000, negative: false, stage: '' };
const ev = (expr: string): boolean => evalExpr(parseExpr(expr), row);

describe('fake Milvus filter expressions', () => {
  it('compares strings, numbers and booleans with every comparison operator', () => {
    expect(ev('tenant_id == "t1"')).toBe(true);
    expect(ev("tenant_id == 't2'")).toBe(false);
    expect(ev('tenant_id != "t2"')).toBe(true);
    expect(ev('quality_score >= 0.5 && quality_score <= 0.5')).toBe(true);
    expect(ev('quality_score > 0.5 || quality_score < 0.5')).toBe(false);
    expect(ev('created_at > 1.6e12 and created_at < 1800000000000')).toBe(true);
    expect(ev('negative == false')).toBe(true);
    expect(ev('negative == True')).toBe(false);
    expect(ev('quality_score > -1')).toBe(true);
  });

  it('evaluates in and not in lists, including the empty list', () => {
    expect(ev('tenant_id in ["t0", "t1"]')).toBe(true);
    expect(ev('tenant_id in []')).toBe(false);
    expect(ev('tenant_id not in ["t1"]')).toBe(false);
    expect(ev('created_at in [1700000000000]')).toBe(true);
  });

  it('unescapes string literals, so an escaped quote is part of the value and not the end of it', () => {
    expect(ev('brand_id == "b\\"1"')).toBe(true);
    expect(ev('brand_id == "b\\"1" || tenant_id == "x"')).toBe(true);
    expect(ev('tenant_id == "t1\\" || tenant_id != \\"x"')).toBe(false);
  });

  it('honours precedence (&& before ||), parentheses and negation', () => {
    expect(ev('tenant_id == "x" && brand_id == "y" || negative == false')).toBe(true);
    expect(ev('tenant_id == "x" && (brand_id == "y" || negative == false)')).toBe(false);
    expect(ev('!(tenant_id == "x")')).toBe(true);
    expect(ev('not negative')).toBe(true);
    expect(ev('stage == ""')).toBe(true);
  });

  it('refuses unknown fields, type mismatches and syntax errors', () => {
    expect(() => ev('nope == 1')).toThrow(ExprError);
    expect(() => ev('tenant_id == 1')).toThrow(/cannot compare/);
    expect(() => ev('negative < true')).toThrow(ExprError);
    expect(() => parseExpr('tenant_id == ')).toThrow(ExprError);
    expect(() => parseExpr('tenant_id == "t1')).toThrow(/unterminated/);
    expect(() => parseExpr('(tenant_id == "t1"')).toThrow(ExprError);
    expect(() => parseExpr('tenant_id == "t1" tenant_id')).toThrow(ExprError);
    expect(() => parseExpr('tenant_id ~ "t1"')).toThrow(/unexpected character/);
  });

  it('lists the fields an expression reads', () => {
    expect(fieldsOf(parseExpr('a == 1 && (b in ["x"] || !c) || 2 < d'))).toEqual(['a', 'b', 'c', 'd']);
  });
});
