import type { Em } from '../../persistence/orm.js';
import { chunkCondition } from './chunk-filter-sql.js';
import type { RetrievalFilter } from './retrieval-types.js';

/** A full-text candidate: the chunk id and its rank (0..~1.1, see {@link lexicalSearch}). */
export interface LexicalHit {
  id: string;
  rank: number;
}

/** Query terms considered at most (a 2000-character query has far fewer distinct content words). */
export const MAX_QUERY_TERMS = 32;
/** Weight of `ts_rank_cd` (proximity) next to the IDF-weighted coverage. */
export const PROXIMITY_WEIGHT = 0.1;

/**
 * Full-text candidates from Postgres, on the GIN index `to_tsvector('english', text)`.
 *
 * The query's terms are its `english` lexemes (stemmed, stop words removed; no operators a user
 * could get wrong), at most {@link MAX_QUERY_TERMS}. A chunk is a candidate when it contains ANY of
 * them: a natural-language question rarely has every one of its words in the passage that answers
 * it, so AND (what plainto/websearch_to_tsquery give) finds nothing too often. Candidates are
 * ranked by
 *
 *   rank = Σ idf(t) over the query terms the chunk has / Σ idf(t) over all query terms
 *          + PROXIMITY_WEIGHT · ts_rank_cd(chunk, terms OR-ed, normalisation 32)
 *   idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))   (BM25's idf)
 *
 * where N and df count the chunks under the same conditions (tenant, brand, polarity, filters). The
 * IDF-weighted coverage is what makes OR-ed terms rank well: a chunk matching the query's rare
 * words ("Polar 800", "hydrostatic") beats one matching its common ones ("brand", "post"), which
 * `ts_rank_cd` alone scores the same; cover density then prefers terms close together.
 */
export async function lexicalSearch(
  em: Em,
  input: { tenantId: string; brandId: string; query: string; negative: boolean; filter?: RetrievalFilter; limit: number },
): Promise<LexicalHit[]> {
  const cond = chunkCondition(input.tenantId, input.brandId, input.negative, input.filter, 'k');
  const rows = await em.execute<Array<{ id: string; rank: number | string }>>(
    `with terms as (
       select t from unnest(tsvector_to_array(to_tsvector('english', ?))) as t order by t limit ${MAX_QUERY_TERMS}
     ),
     tq as (
       select to_tsquery('simple', string_agg('''' || replace(t, '''', '''''') || '''', ' | ')) as q from terms
     ),
     scope as (select count(*)::float8 as n from knowledge_chunk k where ${cond.sql}),
     df as (
       select terms.t, (select count(*) from knowledge_chunk k
                         where ${cond.sql} and to_tsvector('english', k.text) @@ to_tsquery('simple', '''' || replace(terms.t, '''', '''''') || ''''))::float8 as df
         from terms
     ),
     w as (select df.t, ln(1 + (scope.n - df.df + 0.5) / (df.df + 0.5)) as idf from df, scope),
     total as (select sum(idf) as s from w)
     select k.id,
            coalesce((select sum(w.idf) from w where w.t = any(tsvector_to_array(to_tsvector('english', k.text)))) / nullif(total.s, 0), 0)
              + ${PROXIMITY_WEIGHT} * ts_rank_cd(to_tsvector('english', k.text), tq.q, 32) as rank
       from knowledge_chunk k, tq, total
      where tq.q is not null and ${cond.sql} and to_tsvector('english', k.text) @@ tq.q
      order by rank desc, k.id
      limit ?`,
    [input.query, ...cond.params, ...cond.params, ...cond.params, input.limit],
  );
  return rows.map((r) => ({ id: r.id, rank: Number(r.rank) }));
}
