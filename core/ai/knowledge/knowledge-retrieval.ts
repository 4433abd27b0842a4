import type { KnowledgeEntry } from '../../ports/ai-pipeline.port';
import { normalizeText } from '../analysis/text-analysis';
import { GENERIC_WORDS, QUERY_SYNONYMS, RETRIEVAL_STOPWORDS } from '../lexicon/lexicons';

/** A knowledge entry with its relevance to the lead's message. */
export interface KnowledgeHit {
  entry: KnowledgeEntry;
  score: number;
}

/** Crude suffix stripper: enough to match "prices"/"pricing"/"price" and "integrate"/"integration". */
function stem(word: string): string {
  let w = word;
  for (const [suffix, replacement] of [
    ['ations', ''],
    ['ation', ''],
    ['ings', ''],
    ['ing', ''],
    ['ates', ''],
    ['ate', ''],
    ['ies', 'y'],
    ['ed', ''],
    ['es', ''],
    ['s', ''],
  ] as const) {
    if (w.length - suffix.length >= 3 && w.endsWith(suffix) && !w.endsWith('ss')) {
      w = w.slice(0, w.length - suffix.length) + replacement;
      break;
    }
  }
  return w.length > 3 && w.endsWith('e') ? w.slice(0, -1) : w;
}

/** Topic terms of a text: normalised, stop words dropped, stemmed. */
export function terms(text: string): string[] {
  const words = normalizeText(text).match(/[a-z0-9$]+/g) ?? [];
  return words.filter((w) => w.length > 1 && !RETRIEVAL_STOPWORDS.has(w)).map(stem);
}

/** A question's topic words with the synonyms each may match, generic verbs and fillers dropped. */
export function topicTerms(text: string): Array<{ term: string; alternatives: Set<string> }> {
  const out: Array<{ term: string; alternatives: Set<string> }> = [];
  const seen = new Set<string>();
  for (const word of normalizeText(text).match(/[a-z0-9$]+/g) ?? []) {
    if (word.length < 2 || RETRIEVAL_STOPWORDS.has(word) || GENERIC_WORDS.has(word)) continue;
    const term = stem(word);
    if (seen.has(term)) continue;
    seen.add(term);
    out.push({ term, alternatives: new Set([term, ...(QUERY_SYNONYMS[word] ?? []).map(stem)]) });
  }
  return out;
}

/** Query terms of a text with synonym expansion ("cuanto" → price, cost). */
export function expandQuery(text: string): string[] {
  const out: string[] = [];
  for (const word of normalizeText(text).match(/[a-z0-9$]+/g) ?? []) {
    if (!RETRIEVAL_STOPWORDS.has(word) && word.length > 1) out.push(stem(word));
    for (const synonym of QUERY_SYNONYMS[word] ?? []) out.push(stem(synonym));
  }
  return [...new Set(out)];
}

interface IndexedEntry {
  entry: KnowledgeEntry;
  tf: Map<string, number>;
  length: number;
}

/** A BM25 index over a tenant's knowledge entries (title counted twice: titles name the topic). */
export class KnowledgeIndex {
  private readonly docs: IndexedEntry[];
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(entries: readonly KnowledgeEntry[]) {
    this.docs = entries.map((entry) => {
      const tokens = [...terms(entry.title), ...terms(entry.title), ...terms(entry.body)];
      const tf = new Map<string, number>();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      return { entry, tf, length: tokens.length };
    });
    for (const doc of this.docs) for (const t of doc.tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    this.avgLength = this.docs.reduce((s, d) => s + d.length, 0) / Math.max(1, this.docs.length);
  }

  /** The best `limit` entries with a positive score, best first. Extra terms (intent words) widen the query. */
  search(query: string, limit = 3, extraTerms: readonly string[] = []): KnowledgeHit[] {
    const q = [...new Set([...expandQuery(query), ...extraTerms.map(stem)])];
    if (q.length === 0 || this.docs.length === 0) return [];
    const k1 = 1.2;
    const b = 0.75;
    const n = this.docs.length;
    const hits: KnowledgeHit[] = [];
    for (const doc of this.docs) {
      let score = 0;
      for (const term of q) {
        const f = doc.tf.get(term);
        if (!f) continue;
        const df = this.df.get(term) ?? 0;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += (idf * (f * (k1 + 1))) / (f + k1 * (1 - b + (b * doc.length) / (this.avgLength || 1)));
      }
      if (score > 0) hits.push({ entry: doc.entry, score: Math.round(score * 1000) / 1000 });
    }
    return hits.sort((a, b2) => b2.score - a.score).slice(0, limit);
  }
}

// Tenants' knowledge rarely changes between turns: keep the index per knowledge array.
const indexCache = new WeakMap<readonly KnowledgeEntry[], KnowledgeIndex>();

/** Retrieves the entries most relevant to a text (BM25 over keywords, with small synonym expansion). */
export function retrieveKnowledge(entries: readonly KnowledgeEntry[], query: string, limit = 3, extraTerms: readonly string[] = []): KnowledgeHit[] {
  let index = indexCache.get(entries);
  if (!index) {
    index = new KnowledgeIndex(entries);
    indexCache.set(entries, index);
  }
  return index.search(query, limit, extraTerms);
}

/** Splits knowledge text into sentences, for quoting the one that answers. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
