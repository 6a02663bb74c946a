import assert from "node:assert/strict";
import { queryTerms } from "./query_terms.ts";
import { isStopWord, withoutStopWords } from "./stop_words.ts";

Deno.test("withoutStopWords() leaves out English function words and keeps the words that carry meaning", () => {
  assert.deepEqual(withoutStopWords(queryTerms("When did Melanie paint a sunrise?")), [
    "melanie",
    "paint",
    "sunrise",
  ]);
  assert.deepEqual(withoutStopWords(["what", "is", "the", "deploy", "key"]), ["deploy", "key"]);
  assert.equal(isStopWord("the"), true);
  assert.equal(isStopWord("kestrel"), false);
});

Deno.test("withoutStopWords() keeps every term of a query made only of stop words", () => {
  assert.deepEqual(withoutStopWords(["the", "of", "and"]), ["the", "of", "and"]);
  assert.deepEqual(withoutStopWords([]), []);
});
